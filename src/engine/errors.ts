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
  code: string;
  kind: ErrorKind;
  message: string;
  nextStep: string;
  cause?: unknown;
  /** AWS operation that failed, when there was one. */
  operation?: string;
}

export class GeuseError extends Error {
  readonly code: string;
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

  toJSON(): { code: string; kind: ErrorKind; message: string; nextStep: string; operation?: string } {
    return { code: this.code, kind: this.kind, message: this.message, nextStep: this.nextStep, operation: this.operation };
  }
}

/** CLI exit codes: 2 for bad input, 3 for a refusal, 1 for everything else that failed. */
export function exitCodeFor(error: unknown): number {
  if (error instanceof GeuseError) {
    if (error.kind === 'invalid-input') return 2;
    if (error.kind === 'refused') return 3;
  }
  return 1;
}

export function invalidInput(code: string, message: string, nextStep: string): GeuseError {
  return new GeuseError({ code, kind: 'invalid-input', message, nextStep });
}

export function refused(code: string, message: string, nextStep: string): GeuseError {
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
