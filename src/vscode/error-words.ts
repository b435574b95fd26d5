import { classifyIfAws, GeuseError, type ResolvedEndpoint } from '../engine';
import type { FixId } from '../protocol/fixes';

export type { FixId } from '../protocol/fixes';

/**
 * Errors in editor words. The engine's messages are written for the CLI: they name commands, flags and error
 * codes. The editor says what happened and what to do, and offers buttons (FixId) that do it. No vscode import:
 * the tree model and the unit tests use this directly.
 */

type Code = GeuseError['code'];


export interface EditorError {
  /** One short sentence: what happened. */
  title: string;
  /** What to do next, in editor words. */
  detail: string;
  fixes: FixId[];
}

/** Where AWS calls go (the setting, the variable, or AWS itself), so an endpoint's problems name it. */
let currentEndpoint: () => ResolvedEndpoint | undefined = () => undefined;

export function setEndpointForErrors(endpoint: () => ResolvedEndpoint | undefined): void {
  currentEndpoint = endpoint;
}

export function endpointNow(): ResolvedEndpoint | undefined {
  return currentEndpoint();
}

/** What an API lets GeuseMaker do, for "the emulator does not …". */
const API_WORDS: Readonly<Record<string, string>> = {
  'ssm:DescribeInstanceInformation': 'run commands on instances (SSM Run Command)',
  'ssm:SendCommand': 'run commands on instances (SSM Run Command)',
  'ssm:GetCommandInvocation': 'run commands on instances (SSM Run Command)',
  'ssm:CancelCommand': 'run commands on instances (SSM Run Command)',
  'ssm:StartSession': 'open sessions on instances (Session Manager)',
  'ssm:TerminateSession': 'open sessions on instances (Session Manager)',
};

const SERVICE_WORDS: Readonly<Record<string, string>> = {
  ec2: 'EC2', efs: 'EFS', iam: 'IAM', ssm: 'Systems Manager', sts: 'STS', elasticloadbalancing: 'Elastic Load Balancing',
  cloudfront: 'CloudFront', servicequotas: 'Service Quotas', cloudwatch: 'CloudWatch', pricing: 'the Price List', ce: 'Cost Explorer',
};

/** "run commands on instances (SSM Run Command)", or "answer DescribeVpcs (EC2)" for an API without its own words. */
export function apiWords(operation: string | undefined): string {
  if (!operation) return 'answer this request';
  const known = API_WORDS[operation];
  if (known) return known;
  const [service = '', action = operation] = operation.split(':');
  return `answer ${action}${SERVICE_WORDS[service] ? ` (${SERVICE_WORDS[service]})` : ''}`;
}

/** The endpoint as a person names it: "the emulator at http://127.0.0.1:4566". */
function emulatorAt(endpoint: ResolvedEndpoint): string {
  return `the emulator at ${endpoint.url}`;
}

const capital = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);

/** GeuseMaker CLI commands named by the editor command that does the same. */
const EDITOR_COMMANDS: Readonly<Record<string, string>> = {
  deploy: 'Deploy Stack', destroy: 'Destroy Stack', resume: 'Resume Stack', pause: 'Pause Stack', list: 'Refresh',
  health: 'Show Health Panel', init: 'Deploy Stack', prices: 'Show Cost', show: 'Show Stack Details',
  history: 'Show History', rollback: 'Show History',
  restore: 'Restore from Backup…', upgrade: 'Upgrade Stack…', secrets: 'Rotate Secrets…',
};

/** CLI flags in editor words (the buttons and settings that do the same); a flag not listed is dropped. */
const FLAG_WORDS: Readonly<Record<string, string>> = {
  '--profile': 'another AWS profile', '--region': 'another region', '--endpoint': 'the endpoint setting',
  '--state-dir': 'the State Directory setting', '--delete-data': 'Destroy Everything', '--take-over-lock': 'Take Over Lock',
  '--skip-backup': 'Upgrade Without Backup',
};
/** Flags that take a value, so the value goes with them. */
const VALUE_FLAGS = new Set(['--profile', '--region', '--endpoint', '--state-dir', '--tier', '--instance-type', '--market', '--config', '--access-cidr', '--root-volume-gb', '--from', '--as', '--only']);

function flagWords(flag: string, value: string | undefined): string {
  const words = FLAG_WORDS[flag] ?? '';
  // A boolean flag took no value: what looked like one is the sentence going on.
  return !VALUE_FLAGS.has(flag) && value ? `${words}${value}` : words;
}

/**
 * Engine text with the CLI's parts taken out or said the editor's way: commands in backticks, flags, and the
 * codes in parentheses ("(InvalidVpcID.NotFound)", "(AWS_UNKNOWN)") that only a log reader needs.
 */
export function editorWords(text: string): string {
  return text
    .replace(/`geusemaker ([a-z]+)[^`]*`/g, (_m, verb: string) => (EDITOR_COMMANDS[verb] ? `the ${EDITOR_COMMANDS[verb]} command` : 'GeuseMaker'))
    .replace(/`aws [^`]*`/g, 'the AWS CLI')
    .replace(/\bAWS call [a-z0-9-]+:([A-Za-z0-9]+)/g, 'The AWS request $1')
    .replace(/\bAn AWS call\b/g, 'An AWS request')
    .replace(/`([^`]*)`/g, '$1')
    .replace(/\b(?:pass|add|use)\s+(?=--[a-z])/g, 'choose ')
    .replace(/(--[a-z][a-z-]*)(\s+(?!the\b|or\b|and\b|to\b|then\b)[A-Za-z0-9_./<>-]+)?/g, (_m, flag: string, value?: string) => flagWords(flag, value))
    .replace(/\banother another\b/g, 'another')
    .replace(/\bthe AWS CLI or the AWS CLI\b/g, 'the AWS CLI')
    .replace(/\s*\((?:[A-Z][A-Za-z0-9]*(?:\.[A-Za-z0-9]+)*|[A-Z][A-Z0-9_]+)\)/g, '')
    .replace(/\(\s*(or\s+)?\)/g, '')
    .replace(/\s{2,}/g, ' ')
    .replace(/\s+([.,;:)])/g, '$1')
    .replace(/([.,;:])\1+/g, '$1')
    .trim();
}

function firstSentence(text: string): { head: string; rest: string } {
  const match = /^.*?[.!?](?=\s|$)/s.exec(text);
  const head = (match ? match[0] : text).trim();
  return { head, rest: text.slice(head.length).trim() };
}

/** The AWS message inside an engine message ("… AWS said: …"), for errors we cannot say better. */
function awsSaidIn(message: string): string | undefined {
  const at = message.indexOf(' AWS said: ');
  const said = at < 0 ? '' : message.slice(at + ' AWS said: '.length).trim();
  return said ? said.slice(0, 300) : undefined;
}

type Words = (error: GeuseError, endpoint: ResolvedEndpoint | undefined) => EditorError;

/** The editor's own words for the codes people meet most; everything else falls back to the cleaned engine text. */
const WORDS: Partial<Record<Code, Words>> = {
  AWS_NO_CREDENTIALS: () => ({ title: 'No AWS credentials were found.', detail: 'Choose an AWS profile that has credentials, or sign in with the AWS CLI, then try again.', fixes: ['chooseProfile'] }),
  AWS_CREDENTIALS_EXPIRED: () => ({ title: 'Your AWS sign-in has expired.', detail: 'Sign in again, then try again.', fixes: ['signIn', 'chooseProfile'] }),
  AWS_PERMISSION: (e) => ({
    title: 'AWS denied the request: these credentials may not do it.',
    detail: `Allow ${e.operation ?? 'the action'} for your IAM user or role, or choose another AWS profile, then try again.`,
    fixes: ['openIamConsole', 'chooseProfile'],
  }),
  AWS_THROTTLING: () => ({ title: 'AWS kept slowing down GeuseMaker\'s requests.', detail: 'Wait a minute, then try again.', fixes: [] }),
  AWS_CAPACITY: () => ({ title: 'AWS has no spare capacity for this request right now.', detail: 'Try another instance type or region, or try again later.', fixes: [] }),
  AWS_QUOTA: () => ({ title: 'An AWS account limit was reached.', detail: 'Remove resources you no longer use, or ask for a higher limit in the Service Quotas console, then try again.', fixes: [] }),
  AWS_NOT_FOUND: () => ({ title: 'Something the stack refers to no longer exists in AWS.', detail: 'Check the region and the IDs in the stack\'s settings; if it was deleted outside GeuseMaker, deploy the stack again to recreate it.', fixes: [] }),
  AWS_CONFLICT: () => ({ title: 'AWS refused because a resource is still changing or in the way.', detail: 'Wait a minute, then try again.', fixes: [] }),
  AWS_INVALID_INPUT: (e) => {
    const said = awsSaidIn(e.message);
    return { title: 'AWS rejected a value in the request.', detail: `${said ? `AWS said: ${said} ` : ''}Check the stack's settings (instance type, region, network), then try again.`, fixes: [] };
  },
  AWS_TRANSIENT: () => ({ title: 'AWS or the network failed for a moment.', detail: 'Try again.', fixes: [] }),
  AWS_UNKNOWN: (e) => {
    const said = awsSaidIn(e.message);
    return { title: 'AWS answered with an error GeuseMaker does not recognise.', detail: `${said ? `AWS said: ${said} ` : ''}Try again; if it fails the same way, the log has the details to report.`, fixes: [] };
  },
  AWS_UNREACHABLE: (_e, endpoint) => endpoint
    ? { title: `${capital(emulatorAt(endpoint))} did not answer.`, detail: 'Start the emulator (or proxy), or clear the endpoint setting to use AWS, then try again.', fixes: ['openEndpointSetting'] }
    : { title: 'AWS could not be reached.', detail: 'Check your network connection and proxy, then try again.', fixes: [] },
  ENDPOINT_INVALID: () => ({ title: 'The endpoint setting is not a web address.', detail: 'Set it to an address such as http://127.0.0.1:4566, or clear it to use AWS.', fixes: ['openEndpointSetting'] }),
  ENDPOINT_API_MISSING: (e, endpoint) => endpoint
    ? { title: `${capital(emulatorAt(endpoint))} does not ${apiWords(e.operation)}.`, detail: 'This needs real AWS: clear the endpoint setting to use it.', fixes: ['openEndpointSetting'] }
    : { title: 'Something other than AWS answered the request with a web page.', detail: 'A proxy or captive portal may be in the way: check your network and proxy, then try again.', fixes: [] },
  SSM_COMMAND_NOT_RUN: (_e, endpoint) => endpoint
    ? { title: `${capital(emulatorAt(endpoint))} does not ${apiWords('ssm:SendCommand')}.`, detail: 'This needs real AWS: clear the endpoint setting to use it.', fixes: ['openEndpointSetting'] }
    : { title: 'The instance did not run the command.', detail: 'Check that the instance is running and its SSM agent is online, then try again.', fixes: [] },
  SSM_AGENT_OFFLINE: () => ({ title: 'The instance\'s SSM agent is not online yet.', detail: 'A new instance needs a few minutes; try again shortly. If it stays offline, check that the instance can reach the internet.', fixes: [] }),
  SSM_PLUGIN_MISSING: () => ({ title: 'The Session Manager plugin is not installed.', detail: 'Install it, or set where it is, then try again.', fixes: ['installPlugin', 'setPluginPath'] }),
  CLOUDFRONT_ACCOUNT_NOT_VERIFIED: () => ({
    title: 'AWS has not yet enabled CloudFront for this account.',
    detail: 'Open an AWS Support case asking for the account to be verified for CloudFront. Meanwhile the load balancer bills: destroy the stack, or deploy it again once AWS confirms.',
    fixes: [],
  }),
  STACK_NOT_FOUND: (e) => ({ title: firstSentence(editorWords(e.message)).head, detail: 'Refresh the GeuseMaker view; a stack kept in another folder shows when the State Directory setting points there.', fixes: ['openSettings'] }),
  SETTINGS_INVALID: (e) => ({ title: firstSentence(editorWords(e.message)).head, detail: 'Fix the setting; until then its default is used.', fixes: ['openSettings'] }),
  UNKNOWN: () => ({ title: 'Something went wrong inside GeuseMaker.', detail: 'Try again; if it happens again, report it with the GeuseMaker log.', fixes: [] }),
  INTERNAL: () => ({ title: 'Something went wrong inside GeuseMaker.', detail: 'Try again; if it happens again, report it with the GeuseMaker log.', fixes: [] }),
};

/** AWS, SDK and network errors classified; anything else thrown is a bug of ours, said as one. */
export function classifyForEditor(error: unknown): GeuseError {
  return classifyIfAws(error) ?? new GeuseError({ code: 'INTERNAL', kind: 'unknown', message: error instanceof Error ? error.message : String(error), nextStep: 'Report it with the log.', cause: error });
}

/** The whole editor reading of an error: words and the buttons worth offering. */
export function editorError(error: unknown, endpoint: ResolvedEndpoint | undefined = currentEndpoint()): EditorError {
  const classified = classifyForEditor(error);
  const words = WORDS[classified.code];
  if (words) return words(classified, endpoint);
  const { head, rest } = firstSentence(editorWords(classified.message));
  return { title: head, detail: [rest, editorWords(classified.nextStep)].filter(Boolean).join(' '), fixes: [] };
}

/** One short sentence of what happened, and the next step, in editor words. */
export function plainError(error: unknown): { title: string; detail: string } {
  const { title, detail } = editorError(error);
  return { title, detail };
}

/** Errors that say the endpoint lacks what a feature needs: asking again gives the same answer. */
export function isEndpointGap(error: unknown): boolean {
  const code = classifyForEditor(error).code;
  return code === 'ENDPOINT_API_MISSING' || (code === 'SSM_COMMAND_NOT_RUN' && currentEndpoint() !== undefined);
}
