import type { ErrorCode } from './error-codes';

export { ERROR_CODES, type ErrorCode } from './error-codes';

/** Every failure the engine reports: a stable code, plain words, and what to do next. */
export type ErrorKind =
  | 'throttling'
  | 'capacity'
  | 'quota'
  | 'permission'
  | 'not-found'
  | 'conflict'
  | 'invalid-input'
  | 'transient'
  | 'unknown'
  | 'refused'
  | 'cancelled';

export interface GeuseErrorInit {
  code: ErrorCode;
  kind: ErrorKind;
  message: string;
  nextStep: string;
  cause?: unknown;
  /** AWS operation that failed, when there was one. */
  operation?: string;
}

export class GeuseError extends Error {
  readonly code: ErrorCode;
  readonly kind: ErrorKind;
  readonly nextStep: string;
  readonly operation?: string;

  constructor(init: GeuseErrorInit) {
    super(init.message, init.cause === undefined ? undefined : { cause: init.cause });
    this.name = 'GeuseError';
    this.code = init.code;
    this.kind = init.kind;
    this.nextStep = init.nextStep;
    this.operation = init.operation;
  }

  toJSON(): { code: ErrorCode; kind: ErrorKind; message: string; nextStep: string; operation?: string } {
    return { code: this.code, kind: this.kind, message: this.message, nextStep: this.nextStep, operation: this.operation };
  }
}

/**
 * CLI exit codes, one per condition and the same in every command (README.md has the same table):
 *   0  success
 *   1  the operation failed (AWS, the network, or a bug); running it again is safe
 *   2  invalid input: a flag, setting, config file, endpoint or state folder to fix
 *   3  refused: not confirmed, stack busy, name taken, not ours, wrong status
 *   4  no such stack (STACK_NOT_FOUND): no state for the name, and for destroy nothing in AWS either
 * "No such stack" has its own code because none of the others is true of it (the name may be valid, nothing
 * was refused or failed), and scripts need it apart: a teardown treats 4 as "already gone".
 * Ctrl-C (or SIGTERM) twice exits at once with 130 (143).
 */
export const EXIT_CODES = { success: 0, failed: 1, invalidInput: 2, refused: 3, stackNotFound: 4 } as const;

export const STACK_NOT_FOUND: ErrorCode = 'STACK_NOT_FOUND';

export function exitCodeFor(error: unknown): number {
  if (error instanceof GeuseError) {
    if (error.code === STACK_NOT_FOUND) return EXIT_CODES.stackNotFound;
    if (error.kind === 'invalid-input') return EXIT_CODES.invalidInput;
    if (error.kind === 'refused') return EXIT_CODES.refused;
  }
  return EXIT_CODES.failed;
}

/** The one error for "no stack of this name", whichever command asked. */
export function stackNotFound(name: string, stateDir: string, nextStep = 'Check the name with `geusemaker list`; a stack kept in another state folder needs --state-dir (in the editor, the geusemaker.stateDirectory setting).'): GeuseError {
  return new GeuseError({ code: STACK_NOT_FOUND, kind: 'not-found', message: `There is no stack named ${name} in ${stateDir}.`, nextStep });
}

export function invalidInput(code: ErrorCode, message: string, nextStep: string): GeuseError {
  return new GeuseError({ code, kind: 'invalid-input', message, nextStep });
}

export function refused(code: ErrorCode, message: string, nextStep: string): GeuseError {
  return new GeuseError({ code, kind: 'refused', message, nextStep });
}

export function cancelled(): GeuseError {
  return new GeuseError({
    code: 'CANCELLED',
    kind: 'cancelled',
    message: 'The operation was cancelled. Everything created so far is recorded in the stack journal.',
    nextStep: 'Run deploy again to finish the stack, or destroy to remove what was created.',
  });
}
