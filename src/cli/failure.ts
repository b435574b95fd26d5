import { classifyIfAws, exitCodeFor, explainEndpoint, GeuseError, renderError, stateDirError } from '../engine';
import { type OutputFormat, renderDocument } from './document';
import type { CliIo, Session } from './session';

/**
 * The one place every failure passes: an AWS, credential or network error that escaped classification gets its
 * plain words (never "a bug"), a file-system error about the state folder names the folder, and an unreachable
 * endpoint says which endpoint it was and where it came from.
 */
export function explain(error: unknown, session: Session | undefined): unknown {
  const profile = session?.args.flags.profile ?? (session?.io.env.GEUSEMAKER_PROFILE || session?.io.env.AWS_PROFILE || undefined);
  const known = error instanceof GeuseError ? error
    : (session ? stateDirError(error, session.stateDir, session.stateDirOrigin) : undefined) ?? classifyIfAws(error, { profile });
  if (!known) return error;
  return explainEndpoint(known, session?.endpointForMessages());
}

/** Prints the error (as words, or the one JSON or YAML document) and returns the exit code. */
export function report(io: CliIo, format: OutputFormat, error: unknown): number {
  if (error instanceof GeuseError) {
    if (format !== 'text') io.stdout(renderDocument({ error: { code: error.code, kind: error.kind, message: error.message, nextStep: error.nextStep } }, format));
    else io.stderr(`${renderError(error).join('\n')}\n`);
    return exitCodeFor(error);
  }
  const detail = error instanceof Error ? (error.stack ?? error.message) : String(error);
  const message = `This is a bug in GeuseMaker: ${error instanceof Error ? error.message : String(error)}`;
  const nextStep = 'Please report it with the command you ran and this output; the stack state is kept, so running the command again is safe.';
  if (format !== 'text') io.stdout(renderDocument({ error: { code: 'INTERNAL', kind: 'unknown', message, nextStep } }, format));
  else io.stderr(`Error [INTERNAL]: ${message}\n${detail}\nNext: ${nextStep}\n`);
  return 1;
}
