import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmulator, type Emulator } from './emulator';

/** One emulator for the whole run, reset before every test; a throw-away GEUSEMAKER_HOME so tests never touch ~. */
let emulator: Emulator | undefined;
let home: string | undefined;

export function testEmulator(): Emulator {
  if (!emulator) throw new Error('The emulator is not running (root hooks did not start it).');
  return emulator;
}

export const mochaHooks = {
  async beforeAll(this: Mocha.Context) {
    this.timeout(600_000);
    home = mkdtempSync(join(tmpdir(), 'gm-test-home-'));
    process.env.GEUSEMAKER_HOME = home;
    process.env.AWS_ACCESS_KEY_ID = 'testing';
    process.env.AWS_SECRET_ACCESS_KEY = 'testing';
    process.env.AWS_REGION = 'us-east-1';
    process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
    delete process.env.AWS_PROFILE;
    emulator = await startEmulator({ logFile: join(home, 'moto.log') });
    process.env.GEUSEMAKER_AWS_ENDPOINT = emulator.endpoint;
  },
  async beforeEach() {
    await emulator?.reset();
  },
  async afterAll() {
    await emulator?.stop();
    // GM_KEEP_HOME=1 keeps it (moto.log in it) to look into a failure.
    if (home && !process.env.GM_KEEP_HOME) rmSync(home, { recursive: true, force: true });
    else if (home) console.log(`kept ${home}`);
  },
};
