import { GeuseError } from '../errors';
import type { CommandResult } from '../ssm/run-command';

/** Our scripts print a header line, what they read, and an end line; anything around it is ignored. */
export const FRAME_BEGIN = 'GM_MODELS_V1';
export const FRAME_END = 'GM_MODELS_END';

export interface Frame {
  header: Record<string, string>;
  /** What the script printed between the header and the end line, without the newline before the end. */
  content: string;
}

/** The printf lines that open and close a frame, for the scripts. */
export function frameLines(header: string, body: readonly string[]): string[] {
  return [`echo "${FRAME_BEGIN} ${header}"`, ...body, 'echo', `echo "${FRAME_END}"`];
}

/**
 * The framed output of one of our scripts. Our scripts always print the frame, so no output at all means nothing
 * ran (an emulator), and a missing frame means SSM cut or lost the output.
 */
export function readFrame(result: Pick<CommandResult, 'stdout' | 'truncated'>, instanceId: string, what: string): Frame {
  const { stdout } = result;
  if (!result.truncated && stdout.trim() === '') {
    throw new GeuseError({
      code: 'SSM_COMMAND_NOT_RUN', kind: 'unknown', operation: 'ssm:SendCommand',
      message: `SSM reported the ${what} command on ${instanceId} as done, but it printed nothing: it did not run on the instance.`,
      nextStep: 'Check that the instance is running and its SSM agent is online. An emulator accepts commands without running them: manage models against real AWS.',
    });
  }
  const marker = `${FRAME_BEGIN} `;
  const found = stdout.startsWith(marker) ? 0 : stdout.indexOf(`\n${marker}`);
  const start = found <= 0 ? found : found + 1;
  const headerEnd = start < 0 ? -1 : stdout.indexOf('\n', start);
  const stop = stdout.lastIndexOf(`\n${FRAME_END}`);
  if (headerEnd < 0 || stop < headerEnd) {
    throw new GeuseError({
      code: result.truncated ? 'SSM_OUTPUT_TRUNCATED' : 'SSM_OUTPUT_MISSING', kind: 'transient', operation: 'ssm:GetCommandInvocation',
      message: result.truncated ? `SSM cut the output of the ${what} command on ${instanceId}.` : `The ${what} command on ${instanceId} printed no result.`,
      nextStep: 'Try again. If it keeps happening, open a terminal on the instance and check that Ollama runs (docker ps).',
    });
  }
  const header = Object.fromEntries(stdout.slice(start + marker.length, headerEnd).trim().split(/\s+/).filter(Boolean).map((pair) => {
    const at = pair.indexOf('=');
    return at < 0 ? [pair, ''] : [pair.slice(0, at), pair.slice(at + 1)];
  }));
  const content = stdout.slice(headerEnd + 1, stop);
  return { header, content: content.endsWith('\n') ? content.slice(0, -1) : content };
}

/** A whole number from the header; NaN when it is missing or not a number. */
export function headerNumber(frame: Frame, key: string): number {
  const value = frame.header[key];
  return value !== undefined && /^-?\d+$/.test(value) ? Number(value) : Number.NaN;
}

const CURL_WORDS: Record<number, string> = {
  6: 'could not resolve the address',
  7: 'connection refused',
  28: 'no answer in time',
  52: 'empty reply',
  56: 'connection reset while reading the answer',
};

/** curl could not talk to Ollama on 127.0.0.1:11434: usually its container is not running. */
export function ollamaUnreachable(curlExit: number, instanceId: string): GeuseError {
  return new GeuseError({
    code: 'OLLAMA_UNREACHABLE', kind: 'transient', operation: 'ollama',
    message: `Ollama did not answer on ${instanceId} (127.0.0.1:11434: ${CURL_WORDS[curlExit] ?? `curl failed with exit code ${curlExit}`}).`,
    nextStep: 'Check that Ollama runs (geusemaker status, or the health panel); a new instance needs a few minutes before it starts.',
  });
}
