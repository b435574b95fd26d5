import { GeuseError } from '../errors';
import type { ClassifyContext } from './classify';

export function describeOperation(operation: string | undefined): string {
  return operation ? `AWS call ${operation}` : 'An AWS call';
}

/** Node's system errors for a call that got no answer from the endpoint, in plain words. */
const NETWORK_PROBLEMS: Readonly<Record<string, string>> = {
  ECONNREFUSED: 'the connection was refused (nothing is listening there)',
  ENOTFOUND: 'the host name was not found',
  EAI_AGAIN: 'the host name could not be looked up (DNS did not answer)',
  ETIMEDOUT: 'the connection timed out',
  ECONNRESET: 'the connection was dropped',
  ECONNABORTED: 'the connection was aborted',
  EPIPE: 'the connection closed while the request was being sent',
  EHOSTUNREACH: 'the host is unreachable',
  ENETUNREACH: 'the network is unreachable',
};

export const ENDPOINT_EXAMPLE = 'http://127.0.0.1:4566';

export interface SystemError {
  code: string;
  /** host:port or host name, when Node says it. */
  target?: string;
}

/** The Node system error behind an SDK error: on the error itself, its cause, or the first of an AggregateError. */
export function systemErrorOf(error: unknown, depth = 0): SystemError | undefined {
  if (typeof error !== 'object' || error === null || depth > 3) return undefined;
  const e = error as { code?: unknown; address?: unknown; port?: unknown; hostname?: unknown; cause?: unknown; errors?: unknown };
  if (typeof e.code === 'string' && (e.code in NETWORK_PROBLEMS || e.code === 'ERR_INVALID_URL')) {
    const target = typeof e.hostname === 'string' ? e.hostname
      : typeof e.address === 'string' ? `${e.address}${typeof e.port === 'number' ? `:${e.port}` : ''}` : undefined;
    return { code: e.code, ...(target ? { target } : {}) };
  }
  const inner = Array.isArray(e.errors) ? (e.errors as unknown[])[0] : undefined;
  return systemErrorOf(e.cause, depth + 1) ?? systemErrorOf(inner, depth + 1);
}

/** A call that never got an answer (or could not be sent): network words, and what to check. */
export function networkError(system: SystemError, error: { message?: string }, ctx: ClassifyContext): GeuseError {
  const op = describeOperation(ctx.operation);
  if (system.code === 'ERR_INVALID_URL') {
    return new GeuseError({
      code: 'ENDPOINT_INVALID', kind: 'invalid-input', cause: error, operation: ctx.operation,
      message: `${op} could not be sent: the AWS endpoint is not a valid URL (${error.message ?? system.code}).`,
      nextStep: `Set the endpoint (--endpoint, GEUSEMAKER_AWS_ENDPOINT or the geusemaker.endpoint setting) to an http(s) URL such as ${ENDPOINT_EXAMPLE}, or unset it to use AWS.`,
    });
  }
  const where = system.target ? ` at ${system.target}` : '';
  return new GeuseError({
    code: 'AWS_UNREACHABLE', kind: 'transient', cause: error, operation: ctx.operation,
    message: `${op} got no answer from the endpoint${where}: ${NETWORK_PROBLEMS[system.code] ?? system.code} (${system.code}).`,
    nextStep: `Check your network connection (and HTTPS_PROXY if you use a proxy) and that ${ctx.region ? `the region ${ctx.region}` : 'the region'} is right; if you point GeuseMaker at an emulator or proxy (--endpoint, GEUSEMAKER_AWS_ENDPOINT or the geusemaker.endpoint setting), check that it is running. Then run the command again; it resumes where it stopped.`,
  });
}
