import { z } from 'zod';
import { GeuseError, invalidInput } from '../errors';
import { ENDPOINT_EXAMPLE } from './classify';

/** Where an endpoint override came from; every message about the endpoint names it. */
export type EndpointSource = 'flag' | 'env' | 'setting';

export interface ResolvedEndpoint {
  url: string;
  source: EndpointSource;
}

const SOURCE_WORDS: Readonly<Record<EndpointSource, string>> = {
  flag: 'the --endpoint flag',
  env: 'the environment variable GEUSEMAKER_AWS_ENDPOINT',
  setting: 'the VS Code setting geusemaker.endpoint',
};

const HOW_TO_DROP: Readonly<Record<EndpointSource, string>> = {
  flag: 'leave out --endpoint',
  env: 'unset GEUSEMAKER_AWS_ENDPOINT',
  setting: 'clear the geusemaker.endpoint setting',
};

export const endpointUrlSchema = z.url({ protocol: /^https?$/ });

export function describeEndpointSource(source: EndpointSource): string {
  return SOURCE_WORDS[source];
}

/**
 * The endpoint every AWS call goes to, from the first source that sets one (blank counts as unset): the flag, the
 * editor's setting, then the variable. An invalid URL is refused here, naming its source, before any AWS call.
 */
export function resolveEndpoint(sources: { flag?: string; setting?: string; env?: string }): ResolvedEndpoint | undefined {
  const order: [EndpointSource, string | undefined][] = [['flag', sources.flag], ['setting', sources.setting], ['env', sources.env]];
  for (const [source, raw] of order) {
    const text = raw?.trim();
    if (!text) continue;
    const checked = endpointUrlSchema.safeParse(text);
    if (!checked.success) {
      throw invalidInput('ENDPOINT_INVALID',
        `${capitalize(SOURCE_WORDS[source])} is ${JSON.stringify(text)}, which is not an http(s) URL, so nothing was sent to AWS.`,
        `Set it to the emulator's or proxy's URL, such as ${ENDPOINT_EXAMPLE}, or ${HOW_TO_DROP[source]} to talk to AWS itself.`);
    }
    return { url: text, source };
  }
  return undefined;
}

/** Errors already worded with their endpoint, so a second pass adds nothing. */
const explained = new WeakSet<GeuseError>();

/** An unreachable (or unusable) endpoint, said with which endpoint it was and where it came from. */
export function explainEndpoint(error: GeuseError, endpoint: ResolvedEndpoint | undefined): GeuseError {
  if (explained.has(error) || (error.code !== 'AWS_UNREACHABLE' && error.code !== 'ENDPOINT_INVALID')) return error;
  const worded = wordEndpoint(error, endpoint);
  explained.add(worded);
  return worded;
}

function wordEndpoint(error: GeuseError, endpoint: ResolvedEndpoint | undefined): GeuseError {
  const base = { code: error.code, kind: error.kind, cause: error.cause, operation: error.operation };
  if (!endpoint) {
    if (error.code !== 'AWS_UNREACHABLE') return error;
    return new GeuseError({
      ...base,
      message: `${error.message} No endpoint override is set, so this was AWS's own endpoint for the region.`,
      nextStep: 'Check your network connection (and HTTPS_PROXY if you use a proxy) and that the region is right, then run the command again; it resumes where it stopped.',
    });
  }
  const from = `${endpoint.url} (from ${SOURCE_WORDS[endpoint.source]})`;
  return new GeuseError({
    ...base,
    message: `${error.message} Every AWS call goes to ${from}.`,
    nextStep: error.code === 'AWS_UNREACHABLE'
      ? `Check that the emulator or proxy at ${endpoint.url} is running and reachable from here (host and port), or ${HOW_TO_DROP[endpoint.source]} to talk to AWS itself; then run the command again.`
      : `Set ${SOURCE_WORDS[endpoint.source]} to an http(s) URL such as ${ENDPOINT_EXAMPLE}, or ${HOW_TO_DROP[endpoint.source]} to talk to AWS itself.`,
  });
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
