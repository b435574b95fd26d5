import { type GeuseError } from '../../engine';
import { plainError } from '../error-words';

/** Who the credentials act as: undefined while the first check runs. */
export type IdentityState = { account: string; arn: string } | { error: GeuseError } | undefined;

export interface SummaryInput {
  profile?: string;
  region: string;
  endpoint?: string;
  identity: IdentityState;
  /** Stacks billing by the hour, with the engine's or the bundled price where one is known. */
  billing: { name: string; usd?: number; upperBound: boolean }[];
  /** AWS did not answer for a running stack in the last refresh. */
  awsProblem?: GeuseError;
  /** Settings that were refused, in words. */
  settingsProblems: readonly string[];
}

/** A fix the status item runs when clicked in its warning state. */
export interface SummaryFix {
  title: string;
  command: string;
  arguments?: unknown[];
}

export interface Summary {
  /** With codicons ($(cloud)). */
  text: string;
  /** Markdown, with theme icons and command links. */
  tooltip: string;
  /** What a screen reader says: no codicon names, no markdown. */
  accessibleLabel: string;
  warning: boolean;
  fix?: SummaryFix;
}

/** The short words the status item shows for a problem, and the fix it offers. */
function problemOf(error: GeuseError): { short: string; fix: SummaryFix } {
  switch (error.code) {
    case 'AWS_NO_CREDENTIALS': return { short: 'no AWS credentials', fix: { title: 'Choose AWS Profile', command: 'geusemaker.chooseProfile' } };
    case 'AWS_CREDENTIALS_EXPIRED': return { short: 'AWS sign-in expired', fix: { title: 'Choose AWS Profile', command: 'geusemaker.chooseProfile' } };
    case 'AWS_UNREACHABLE':
    case 'ENDPOINT_INVALID': return { short: 'AWS unreachable', fix: { title: 'Open Endpoint Setting', command: 'workbench.action.openSettings', arguments: ['geusemaker.endpoint'] } };
    case 'AWS_PERMISSION': return { short: 'AWS refused', fix: { title: 'Retry', command: 'geusemaker.refresh' } };
    default: return { short: 'AWS problem', fix: { title: 'Retry', command: 'geusemaker.refresh' } };
  }
}

function commandLink(fix: SummaryFix): string {
  const args = fix.arguments ? `?${encodeURIComponent(JSON.stringify(fix.arguments))}` : '';
  return `[${fix.title}](command:${fix.command}${args})`;
}

/** The status bar item: profile, region and what bills by the hour; a warning with the fix when AWS or a setting fails. */
export function summarize(input: SummaryInput): Summary {
  const profile = input.profile || 'default credentials';
  const known = input.billing.filter((b): b is typeof b & { usd: number } => b.usd !== undefined);
  const total = known.reduce((sum, b) => sum + b.usd, 0);
  const ceiling = known.some((b) => b.upperBound);
  const money = known.length === 0 ? '' : ` ${ceiling ? '≤ ' : ''}$${total.toFixed(2)}/h`;
  const count = input.billing.length;

  const identityError = input.identity && 'error' in input.identity ? input.identity.error : undefined;
  const failure = identityError ?? input.awsProblem;
  const settings = input.settingsProblems.length > 0;
  const problem = failure ? problemOf(failure) : settings
    ? { short: 'settings need a fix', fix: { title: 'Open Settings', command: 'workbench.action.openSettings', arguments: ['geusemaker'] } }
    : undefined;

  // While AWS does not answer, the count is what was last seen, not what runs now.
  const running = count === 0 ? '' : failure ? ` · ${count} last seen running` : ` · $(vm-running) ${count} running${money}`;
  const text = problem ? `$(warning) ${profile} · ${input.region} · ${problem.short}${running}` : `$(cloud) ${profile} · ${input.region}${running}`;

  const account = input.identity === undefined ? 'checking…'
    : 'error' in input.identity ? 'unknown (AWS did not say who these credentials are)'
      : `${input.identity.account} as ${input.identity.arn}`;
  const lines = [
    '**GeuseMaker**',
    `Account: ${account}  \nProfile: ${profile}  \nRegion for new stacks: ${input.region}${input.endpoint ? `  \nEndpoint: ${input.endpoint} (emulator)` : ''}`,
  ];
  if (failure) {
    const words = plainError(failure);
    lines.push(`$(warning) ${words.title} ${words.detail}`, commandLink(problem!.fix));
  } else if (settings) {
    lines.push(`$(warning) ${input.settingsProblems.join(' ')}`, commandLink(problem!.fix));
  }
  if (count > 0) {
    const names = input.billing.map((b) => b.name).join(', ');
    lines.push(failure
      ? `Last seen billing by the hour: ${names}. AWS did not answer, so this may be out of date.`
      : `Billing by the hour: ${names}${known.length < count ? ' (some instance types have no bundled price)' : ''}. From the cost engine after each refresh (live, cached or estimated prices); until then from bundled list prices, spot at its ceiling.`);
  } else {
    lines.push('Nothing is billing by the hour.');
  }
  if (!problem) lines.push('Click to show the cost of your stacks.');

  const spoken = [
    `GeuseMaker${problem ? ` warning: ${problem.short}` : ''}`,
    `profile ${profile}`,
    `region ${input.region}`,
    ...(count > 0 ? [`${count} ${count === 1 ? 'stack' : 'stacks'} ${failure ? 'last seen running' : 'running'}${!failure && known.length > 0 ? `, ${ceiling ? 'at most ' : 'about '}${total.toFixed(2)} dollars an hour` : ''}`] : []),
    ...(problem ? [`activate to ${problem.fix.title.toLowerCase()}`] : []),
  ];
  return { text, tooltip: lines.join('\n\n'), accessibleLabel: spoken.join(', '), warning: problem !== undefined, fix: problem?.fix };
}
