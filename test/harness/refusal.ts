import assert from 'node:assert/strict';
import { GeuseError } from '../../src/engine/errors';

/** The GeuseError a call must throw (a plain Error, or no error at all, fails the test). */
export function refusal(fn: () => unknown): GeuseError {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof GeuseError, String(error));
    return error;
  }
  assert.fail('expected a refusal');
}

/** The GeuseError a promise must reject with. */
export async function rejection(promise: Promise<unknown>): Promise<GeuseError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof GeuseError, String(error));
    return error;
  }
  assert.fail('expected a refusal');
}

/** The GeuseError with this code a promise must reject with. */
export async function rejectsWith(promise: Promise<unknown>, code: string): Promise<GeuseError> {
  const error = await rejection(promise);
  assert.equal(error.code, code, error.message);
  return error;
}
