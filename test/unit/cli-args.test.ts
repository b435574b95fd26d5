import assert from 'node:assert/strict';
import { parseCliArgs } from '../../src/cli/args';
import { GeuseError } from '../../src/engine/errors';

function usageError(argv: string[]): string {
  try {
    parseCliArgs(argv);
  } catch (error) {
    assert.ok(error instanceof GeuseError);
    assert.equal(error.kind, 'invalid-input');
    return error.message;
  }
  assert.fail(`${argv.join(' ')} was accepted`);
}

describe('numeric flags', () => {
  const flags: [string, string, number, number, string[]][] = [
    ['max-attempts', 'list', 1, 20, ['-1', '0', '21', '2.5', 'many', '-0']],
    ['root-volume-gb', 'deploy', 30, 2000, ['-5', '29', '2001', '40.5', 'big']],
    ['spot-min-saving', 'prices', 0, 90, ['-3', '91', '12.5', 'ten']],
  ];
  for (const [flag, command, min, max, bad] of flags) {
    it(`--${flag}: a negative, fraction, word or out-of-range value says the range (${min} to ${max}), never "ambiguous"`, () => {
      for (const value of bad) {
        const message = usageError([command, `--${flag}`, value]);
        assert.ok(message.includes(`--${flag} must be`) && message.includes(`${min} to ${max}`), message);
        assert.ok(message.includes(`(got ${JSON.stringify(value)})`), message);
        assert.doesNotMatch(message, /ambiguous/);
      }
      // The same with --flag=value, and the ends of the range are accepted.
      assert.ok(usageError([command, `--${flag}=-1`]).includes(`${min} to ${max}`));
      assert.doesNotThrow(() => parseCliArgs([command, `--${flag}`, String(min)]));
      assert.doesNotThrow(() => parseCliArgs([command, `--${flag}`, String(max)]));
    });
  }

  it('a negative number after a flag is its value, not a flag (nor a stack name)', () => {
    assert.equal(parseCliArgs(['list', '--max-attempts', '3']).maxAttempts, 3);
    assert.equal(parseCliArgs(['show', 'demo', '--max-attempts', '2']).name, 'demo');
    assert.match(usageError(['show', '-1']), /^Unknown flag -1\.$/);
  });
});
