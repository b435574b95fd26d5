import {
  CATALOGUE, type CatalogueService, estimateHourly, formatHourly, type GeuseError, publicUrlOf, type ResourceRecord, servicesOf as catalogueServices, type StackState, type StackStatus,
} from '../../engine';
import { editorWords, plainError } from '../error-words';
import type { StackEntry, StackListingResult } from '../stacks-source';
import { ago, defaultFormat, localDate, type ViewFormat } from './format';
import { GROUP_LOOKS, kindLook, RESOURCE_GROUPS, resourceLabel, type ResourceGroup } from './resource-labels';
import { healthLook, stackLook, statusLook, type HealthStatus } from './status';
import { describeChange, unappliedChanges, type ConfigChange, type WorkspaceConfig } from './config-changes';
import { hasModels, modelsChildren, modelsNodeView, modelsSectionView, type ModelsTreeNode, type ModelsView } from './models-nodes';
import { backupsChildren, backupsNodeView, backupsSectionView, hasBackups, type BackupsTreeNode, type BackupsView } from './backups-nodes';
import { dueSecrets, ROTATION_DUE_WORDS, rotationLines, type SecretAgesView } from './secret-ages';
import { hasWorkers, workersChildren, workersNodeView, workersSectionView, type WorkersTreeNode, type WorkersView } from './workers-nodes';

/** Last known health of one service, as the tree shows it. */
export interface ServiceHealthView {
  status: HealthStatus;
  latencyMs?: number;
  lastError?: string;
  severity?: 'ok' | 'warning' | 'critical';
}

export interface StackHealthView {
  checkedAt: string;
  services: Partial<Record<string, ServiceHealthView>>;
  /** Why there are no results yet, e.g. "SSM agent not online yet". */
  note?: string;
  /** The instance as EC2 sees it now (a spot interruption can end it behind our back). */
  instanceState?: string;
  /** The instance's own bootstrap report. */
  bootstrap?: { state: string; step: string };
  /** What the stack's Auto Scaling group says (healthy, replacing, waiting for capacity, paused), in words. */
  compute?: { condition: string; summary: string };
  /** The engine's hourly price for the running stack (live, cached or estimated), replacing the bundled estimate. */
  hourly?: { usd: number; source: string; basis: string };
  /** Reaching AWS failed: the stack shows what was last seen, and a retry node instead of its children. */
  error?: GeuseError;
  /** When AWS last answered for this stack (a failed round keeps the time of the last good one). */
  lastSeenAt?: string;
}

export interface ServiceRow {
  name: CatalogueService;
  /** As the panels write it ("Ollama"); the catalogue's name when absent. */
  displayName?: string;
  port: number;
  /** Path under the stack's reverse proxy; absent for services never opened in a browser (PostgreSQL). */
  proxyPath?: string;
}

export type TreeNode =
  | { kind: 'stack'; entry: StackEntry; health?: StackHealthView; before?: StackStatus; unapplied?: Unapplied; secrets?: SecretAgesView }
  | { kind: 'section'; section: 'services' | 'resources' | 'endpoints' | 'models' | 'backups' | 'workers'; entry: StackEntry; health?: StackHealthView; models?: ModelsView; backups?: BackupsView; workers?: WorkersView }
  | { kind: 'service'; entry: StackEntry; service: ServiceRow; health?: ServiceHealthView }
  | { kind: 'resource-group'; entry: StackEntry; group: ResourceGroup; records: ResourceRecord[] }
  | { kind: 'resource'; entry: StackEntry; record: ResourceRecord }
  | { kind: 'endpoint'; entry: StackEntry; label: string; detail: string; url?: string; service?: CatalogueService }
  | { kind: 'other-workspaces'; entries: StackEntry[] }
  | { kind: 'loading' }
  | { kind: 'empty'; id: string; text: string }
  | { kind: 'error'; error: GeuseError; scope: 'root' | 'stack'; stackKey?: string }
  | ModelsTreeNode
  | BackupsTreeNode
  | WorkersTreeNode;

/** The workspace's config file for a stack differs from what is applied: which file, and how. */
export interface Unapplied {
  file: string;
  changes: ConfigChange[];
}

/** What a node looks like, with no vscode types: the provider turns it into a TreeItem. */
export interface NodeView {
  id: string;
  label: string;
  description?: string;
  /** Markdown. */
  tooltip?: string;
  icon?: { id: string; color?: string };
  contextValue: string;
  collapsible: 'none' | 'collapsed' | 'expanded';
  /** Run on click; `withNode` passes the node as the argument (as inline actions do). */
  command?: { command: string; title: string; withNode?: boolean };
}

/** What the tree remembers between refreshes: each running stack's last health round, and each stack's last settled status. */
export interface TreeMemory {
  health: ReadonlyMap<string, StackHealthView>;
  /** The status a stack had before it started changing (paused → deploying is a resume). */
  settled: ReadonlyMap<string, StackStatus>;
  /** The workspace folders' config files, by the stack name they hold (read from disk on each refresh). */
  wanted?: ReadonlyMap<string, WorkspaceConfig>;
  /** Each stack's models, once its Models section was expanded (models-nodes.ts). */
  models?: ReadonlyMap<string, ModelsView>;
  /** Each stack's recovery points, once its Backups section was expanded (backups-nodes.ts). */
  backups?: ReadonlyMap<string, BackupsView>;
  /** Each stack's secret ages, once it was expanded or on Refresh (secret-ages.ts). */
  secretAges?: ReadonlyMap<string, SecretAgesView>;
  /** Each scaled stack's worker pools, once it was expanded (workers-nodes.ts). */
  workers?: ReadonlyMap<string, WorkersView>;
}

const NO_MEMORY: TreeMemory = { health: new Map(), settled: new Map() };

/** The stack's services from the one catalogue (ports, proxy paths), in compose order. */
export function servicesOf(state: StackState): ServiceRow[] {
  return catalogueServices(state.config).map((spec) => ({ name: spec.name, port: spec.port, proxyPath: spec.proxyPrefix }));
}

/** A service's name as the panels write it: "Ollama", "PostgreSQL". */
export function serviceName(service: CatalogueService): string {
  return CATALOGUE[service].displayName;
}

function stackNode(entry: StackEntry, memory: TreeMemory): TreeNode {
  const secrets = memory.secretAges?.get(keyOf(entry));
  const node: TreeNode = { kind: 'stack', entry, health: memory.health.get(keyOf(entry)), before: memory.settled.get(keyOf(entry)), ...(secrets ? { secrets } : {}) };
  // Only this workspace's stacks: the file is this workspace's, a stack of another folder only shares the name.
  const file = entry.origin === 'workspace' && entry.state ? memory.wanted?.get(entry.ref.name) : undefined;
  const changes = file && entry.state ? unappliedChanges(entry.state, file) : [];
  return changes.length > 0 && file ? { ...node, unapplied: { file: file.file, changes } } : node;
}

export function rootNodes(listing: StackListingResult, memory: TreeMemory = NO_MEMORY): TreeNode[] {
  const roots: TreeNode[] = listing.workspace.map((entry) => stackNode(entry, memory));
  // Stacks of other workspaces get their own group, so nothing running is ever invisible.
  if (listing.other.length > 0) roots.push({ kind: 'other-workspaces', entries: listing.other });
  return roots;
}

export function keyOf(entry: StackEntry): string {
  return `${entry.ref.stateDir}::${entry.ref.name}`;
}

/** The stack's public URL without its trailing slash, for joining proxy paths. */
export function publicBaseUrl(state: StackState): string | undefined {
  return publicUrlOf(state)?.replace(/\/$/, '');
}

/** Whether the stack's services can be reached now: it runs, as far as the last look at AWS knows. */
function isLive(entry: StackEntry, health: StackHealthView | undefined): boolean {
  return entry.state?.status === 'deployed' && !health?.error;
}

export function childrenOf(node: TreeNode, memory: TreeMemory = NO_MEMORY): TreeNode[] {
  switch (node.kind) {
    case 'other-workspaces':
      return node.entries.map((entry) => stackNode(entry, memory));
    case 'stack': {
      if (!node.entry.state) return node.entry.error ? [{ kind: 'error', error: node.entry.error, scope: 'stack', stackKey: keyOf(node.entry) }] : [];
      // What AWS could not confirm is not shown as current: the retry node replaces the stack's children.
      if (node.health?.error) return [{ kind: 'error', error: node.health.error, scope: 'stack', stackKey: keyOf(node.entry) }];
      const sections: TreeNode[] = (['services', 'resources', 'endpoints'] as const).map((section) => ({ kind: 'section', section, entry: node.entry, health: node.health }));
      if (hasModels(node.entry)) sections.push({ kind: 'section', section: 'models', entry: node.entry, models: memory.models?.get(keyOf(node.entry)) });
      if (hasBackups(node.entry)) sections.push({ kind: 'section', section: 'backups', entry: node.entry, backups: memory.backups?.get(keyOf(node.entry)) });
      if (hasWorkers(node.entry)) sections.push({ kind: 'section', section: 'workers', entry: node.entry, workers: memory.workers?.get(keyOf(node.entry)) });
      return sections;
    }
    case 'section': {
      const state = node.entry.state;
      if (!state) return [];
      if (node.section === 'models') return modelsChildren(node.entry, memory.models?.get(keyOf(node.entry)));
      if (node.section === 'backups') return backupsChildren(node.entry, memory.backups?.get(keyOf(node.entry)));
      if (node.section === 'workers') return workersChildren(node.entry, memory.workers?.get(keyOf(node.entry)));
      const children = sectionChildren(node.section, node.entry, state, node.health);
      return children.length > 0 ? children : [{ kind: 'empty', id: `${keyOf(node.entry)}::${node.section}::empty`, text: EMPTY_TEXT[node.section] }];
    }
    case 'resource-group':
      return node.records.map((record) => ({ kind: 'resource', entry: node.entry, record }));
    default:
      return [];
  }
}

const EMPTY_TEXT = { services: 'No services are turned on', resources: 'Nothing exists in AWS yet', endpoints: 'No endpoints' } as const;

function sectionChildren(section: 'services' | 'resources' | 'endpoints', entry: StackEntry, state: StackState, health: StackHealthView | undefined): TreeNode[] {
  if (section === 'services') {
    return servicesOf(state).map((service) => ({ kind: 'service', entry, service, health: health?.services[service.name] }));
  }
  if (section === 'resources') {
    const created = Object.values(state.resources).filter((record) => record.status === 'created' && record.id);
    return RESOURCE_GROUPS.flatMap((group): TreeNode[] => {
      const records = created.filter((record) => kindLook(record.kind).group === group)
        .sort((a, b) => KIND_ORDER.indexOf(a.kind) - KIND_ORDER.indexOf(b.kind) || a.key.localeCompare(b.key));
      return records.length > 0 ? [{ kind: 'resource-group', entry, group, records }] : [];
    });
  }
  return endpointsOf(entry, state);
}

/** Within a group, the resource a person looks for first comes first. */
const KIND_ORDER = ['instance', 'cloudfront-distribution', 'load-balancer', 'listener', 'listener-rule', 'target-group', 'efs', 'mount-target', 'ssm-parameter', 'vpc', 'subnet', 'internet-gateway', 'route-table', 'security-group', 'iam-role', 'instance-profile'];

function endpointsOf(entry: StackEntry, state: StackState): TreeNode[] {
  const base = publicBaseUrl(state);
  const web = servicesOf(state).filter((service) => service.proxyPath);
  if (base) {
    return web.map((service) => ({ kind: 'endpoint', entry, service: service.name, label: serviceName(service.name), detail: `${base}${service.proxyPath}`, url: `${base}${service.proxyPath}` }));
  }
  return web.map((service) => ({ kind: 'endpoint', entry, service: service.name, label: serviceName(service.name), detail: `SSM tunnel to port ${service.port} (nothing public)` }));
}

const SECTION_LOOKS = {
  services: { label: 'Services', icon: 'server-process' },
  resources: { label: 'Resources', icon: 'cloud' },
  endpoints: { label: 'Endpoints', icon: 'link' },
} as const;

export function viewOf(node: TreeNode): NodeView {
  return viewWith(node, defaultFormat());
}

/** The node's look with times in the editor's locale and ages against `format.now`. */
export function viewWith(node: TreeNode, format: ViewFormat): NodeView {
  switch (node.kind) {
    case 'stack': return stackView(node.entry, node.health, node.before, format, node.unapplied, node.secrets);
    case 'other-workspaces':
      return {
        id: 'other-workspaces', label: 'Other workspaces', description: `${node.entries.length} stack${node.entries.length === 1 ? '' : 's'}`,
        tooltip: 'Stacks deployed from other workspaces or folders on this machine.', icon: { id: 'folder-library' }, contextValue: 'group', collapsible: 'expanded',
      };
    case 'section': return sectionView(node, format);
    case 'service': return serviceView(node);
    case 'resource-group': {
      const look = GROUP_LOOKS[node.group];
      return {
        id: `${keyOf(node.entry)}::resources::${node.group}`, label: look.label, description: String(node.records.length), tooltip: look.tooltip,
        icon: { id: look.icon }, contextValue: 'resource-group', collapsible: 'collapsed',
      };
    }
    case 'resource': return resourceView(node, format);
    case 'endpoint': return endpointView(node);
    case 'model':
    case 'models-note': return modelsNodeView(node, format);
    case 'backup':
    case 'backups-note': return backupsNodeView(node, format);
    case 'pool':
    case 'workers-note': return workersNodeView(node, format);
    case 'empty':
      return { id: node.id, label: node.text, tooltip: node.text, contextValue: 'empty', collapsible: 'none' };
    case 'loading':
      return { id: 'loading', label: 'Loading stacks…', tooltip: 'Reading the stacks this machine knows.', icon: { id: 'loading~spin' }, contextValue: 'loading', collapsible: 'none' };
    case 'error': {
      const words = plainError(node.error);
      return {
        // Stable whatever the error: a new error replaces the old row instead of adding one.
        id: `error::${node.stackKey ?? 'root'}`,
        label: words.title, description: 'click to retry',
        tooltip: `${words.title}\n\n${words.detail}\n\nClick to try again.`, icon: { id: 'error', color: 'errorForeground' },
        contextValue: 'error', collapsible: 'none', command: { command: 'geusemaker.refresh', title: 'Retry' },
      };
    }
  }
}

function sectionView(node: Extract<TreeNode, { kind: 'section' }>, format: ViewFormat): NodeView {
  if (node.section === 'models') return modelsSectionView(node.entry, node.models, format);
  if (node.section === 'backups') return backupsSectionView(node.entry, node.backups, format);
  if (node.section === 'workers') return workersSectionView(node.entry, node.workers, format);
  const state = node.entry.state;
  const base = { id: `${keyOf(node.entry)}::${node.section}`, label: SECTION_LOOKS[node.section].label, icon: { id: SECTION_LOOKS[node.section].icon }, contextValue: `section.${node.section}` };
  if (node.section === 'services') {
    const count = state ? servicesOf(state).length : 0;
    const checked = node.health?.checkedAt ? ` Last checked ${ago(node.health.checkedAt, format)} (${localDate(node.health.checkedAt, format)}).` : '';
    const tooltip = isLive(node.entry, node.health)
      ? `The stack's services and their health over Systems Manager.${checked || ' Not checked yet.'}`
      : 'The stack\'s services. They run only while the stack is running.';
    return { ...base, description: node.health?.note ?? String(count), tooltip, collapsible: 'expanded' };
  }
  if (node.section === 'resources') {
    const count = state ? Object.values(state.resources).filter((r) => r.status === 'created' && r.id).length : 0;
    return { ...base, description: String(count), tooltip: 'What the stack has in AWS, grouped by kind. Right-click one to copy its ID or open it in the AWS console.', collapsible: 'collapsed' };
  }
  return { ...base, tooltip: 'Where to open the services: the stack\'s public address, or a Session Manager tunnel when nothing is public.', collapsible: 'collapsed' };
}

function serviceView(node: Extract<TreeNode, { kind: 'service' }>): NodeView {
  const live = isLive(node.entry, undefined);
  const health = live ? node.health : undefined;
  const status = health?.status ?? (live ? 'unknown' : 'stopped');
  const words = !live ? 'not running' : status === 'unknown' && !health ? 'not checked' : status;
  const parts = [words, health?.latencyMs !== undefined ? `${health.latencyMs} ms` : undefined, `:${node.service.port}`];
  const look = healthLook(status);
  const tooltip = [`**${serviceName(node.service.name)}** on port ${node.service.port}`,
    live ? `Health: ${words}${health?.severity && health.severity !== 'ok' ? ` (${health.severity})` : ''}` : `Not running: the stack is ${statusLook(node.entry.state!.status).label}.`];
  if (health?.lastError) tooltip.push(`Last error: ${editorWords(health.lastError)}`);
  return {
    id: `${keyOf(node.entry)}::service::${node.service.name}`, label: serviceName(node.service.name), description: parts.filter(Boolean).join(' · '),
    tooltip: tooltip.join('\n\n'), icon: { id: health?.severity === 'warning' && status === 'healthy' ? 'warning' : look.icon, color: look.color },
    // Menus key on both: which services open in a browser, and whether the stack runs.
    contextValue: `service.${node.service.proxyPath ? 'web' : 'internal'}.${live ? 'live' : 'idle'}`, collapsible: 'none',
  };
}

function resourceView(node: Extract<TreeNode, { kind: 'resource' }>, format: ViewFormat): NodeView {
  const { record } = node;
  const label = resourceLabel(record);
  const region = node.entry.state?.region;
  const where = record.kind === 'iam-role' || record.kind === 'instance-profile' || record.kind === 'cloudfront-distribution' ? 'global' : region ? `in ${region}` : undefined;
  const tooltip = [
    `**${label}**`,
    `${kindLook(record.kind).noun}${where ? ` (${where})` : ''}  \n${record.id ?? ''}`,
    ...(record.attrs.zone ? [`Availability zone: ${record.attrs.zone}`] : []),
    ...(record.updatedAt ? [`Recorded ${localDate(record.updatedAt, format)}`] : []),
    ...(record.external ? ['Not created by GeuseMaker: it is never deleted by it.'] : []),
  ];
  return {
    id: `${keyOf(node.entry)}::resource::${record.key}`, label, description: record.id, tooltip: tooltip.join('\n\n'),
    icon: { id: kindLook(record.kind).icon }, contextValue: 'resource', collapsible: 'none',
  };
}

function endpointView(node: Extract<TreeNode, { kind: 'endpoint' }>): NodeView {
  const live = isLive(node.entry, undefined);
  const tooltip = node.url
    ? `**${node.label}** at ${node.url}${live ? '\n\nClick to open it in your browser.' : `\n\nThe stack is ${statusLook(node.entry.state!.status).label}: nothing answers here until it runs.`}`
    : `**${node.label}** is not public: Open Service reaches it through a Session Manager tunnel from this machine.`;
  return {
    id: `${keyOf(node.entry)}::endpoint::${node.service ?? node.label}`, label: node.label, description: node.detail, tooltip,
    icon: { id: node.url ? 'globe' : 'plug' }, contextValue: `endpoint.${node.url ? 'url' : 'tunnel'}.${live ? 'live' : 'idle'}`, collapsible: 'none',
    command: live ? { command: 'geusemaker.openService', title: 'Open', withNode: true } : undefined,
  };
}

/** Changes listed in the tooltip; the rest are counted. */
const CHANGES_SHOWN = 8;

/** The tree's words for a change that did not finish, and for a config file that says otherwise than the stack. */
export const PENDING_WORDS = 'change pending (did not finish)';
export const UNAPPLIED_WORDS = 'changes not applied';

/** Tooltip paragraphs: a change that did not finish, and what the workspace's file would change. */
function changeLines(state: StackState, unapplied: Unapplied | undefined, format: ViewFormat): string[] {
  const lines: string[] = [];
  if (state.pending) {
    const summary = state.pending.summary.length > 0 ? `: ${state.pending.summary.slice(0, CHANGES_SHOWN).join('; ')}` : '';
    lines.push(`**Change pending (did not finish)** — started ${localDate(state.pending.startedAt, format)}${summary}. Until it finishes, the applied configuration is the last one applied in full. Deploy Stack finishes the change; Show History rolls it back.`);
  }
  if (unapplied) {
    const applied = state.history.at(-1)?.version;
    const shown = unapplied.changes.slice(0, CHANGES_SHOWN).map((change) => `\`${describeChange(change)}\``);
    const more = unapplied.changes.length > CHANGES_SHOWN ? [`and ${unapplied.changes.length - CHANGES_SHOWN} more`] : [];
    lines.push(`**Changes not applied** — ${unapplied.file} differs from the applied configuration${applied ? ` (version ${applied})` : ''}:  \n${[...shown, ...more].join('  \n')}  \nRun \`geusemaker deploy\` in that folder to apply them.`);
  }
  return lines;
}

function stackView(entry: StackEntry, health: StackHealthView | undefined, before: StackStatus | undefined, format: ViewFormat, unapplied?: Unapplied, secrets?: SecretAgesView): NodeView {
  const id = `${entry.origin}::${keyOf(entry)}`;
  const state = entry.state;
  if (!state) {
    const words = entry.error ? plainError(entry.error) : undefined;
    return {
      id, label: entry.ref.name, description: 'unreadable state', icon: { id: 'warning', color: 'errorForeground' },
      tooltip: words ? `**${entry.ref.name}** cannot be read.\n\n${words.title}\n\n${words.detail}` : `**${entry.ref.name}** cannot be read.`, contextValue: 'stack.unreadable', collapsible: 'collapsed',
    };
  }
  const look = stackLook(state.status, before);
  const folder = entry.origin === 'other' ? [`State folder: ${entry.ref.stateDir}`] : [];
  const facts = `Region: ${state.region}  \nInstance: ${state.config.instanceType} (${state.config.market})  \nCreated: ${localDate(state.createdAt, format)}`;
  const lastError = state.lastError ? [`Last error: ${plainError(state.lastError).title} ${editorWords(state.lastError.nextStep)}`] : [];
  // From the state file and the workspace's config file only: shown whether or not AWS answers.
  const change = state.pending ? PENDING_WORDS : unapplied ? UNAPPLIED_WORDS : undefined;
  if (health?.error) {
    // AWS did not answer: say what was last seen and when, not "running" as if it were now.
    const seen = health.lastSeenAt ?? state.updatedAt;
    const words = plainError(health.error);
    return {
      id, label: state.name, description: [state.config.tier, `last seen ${look.label} ${ago(seen, format)}`, change].filter(Boolean).join(' · '),
      tooltip: [`**${state.name}** — last seen ${look.label} ${ago(seen, format)} (${localDate(seen, format)})`, `AWS did not answer: ${words.title} ${words.detail}`, facts, ...changeLines(state, unapplied, format), ...folder, ...lastError].join('\n\n'),
      icon: { id: 'debug-disconnect', color: 'list.warningForeground' }, contextValue: `stack.${state.status}`, collapsible: 'collapsed',
    };
  }
  const unhealthy = health && Object.values(health.services).some((s) => s?.severity === 'critical');
  const groupWords = state.status === 'deployed' && health?.compute && health.compute.condition !== 'healthy' ? COMPUTE_WORDS[health.compute.condition] ?? health.compute.condition : undefined;
  const drifted = groupWords ?? (state.status === 'deployed' && health?.instanceState && health.instanceState !== 'running' ? `instance ${health.instanceState}` : undefined);
  const booting = state.status === 'deployed' && health?.bootstrap && health.bootstrap.state !== 'ok' ? `bootstrap ${health.bootstrap.state}${health.bootstrap.state === 'failed' ? ` at ${health.bootstrap.step}` : ''}` : undefined;
  const bundled = look.billing ? estimateHourly(state.config) : undefined;
  const hourly = look.billing && health?.hourly
    ? { text: `$${health.hourly.usd.toFixed(3)}/h ${health.hourly.source === 'live' ? 'live' : health.hourly.source.startsWith('cached') ? 'cached' : 'est.'}`, basis: health.hourly.basis }
    : bundled ? { text: formatHourly(bundled), basis: bundled.basis } : undefined;
  // From the last read of the secrets' ages (expanded or Refresh): a mark, never a popup.
  const rotation = dueSecrets(secrets).length > 0 ? ROTATION_DUE_WORDS : undefined;
  const description = [state.config.tier, drifted ?? booting ?? look.label, change, rotation, hourly?.text].filter(Boolean).join(' · ');
  const tooltip = [
    `**${state.name}** — ${look.label}${health?.checkedAt ? ` (checked ${ago(health.checkedAt, format)})` : ''}`,
    facts,
    ...(hourly ? [`Cost: ${hourly.text} — ${hourly.basis}`] : []),
    ...(health?.compute ? [`Compute (its Auto Scaling group): ${health.compute.summary}`] : []),
    ...changeLines(state, unapplied, format),
    ...rotationLines(entry, secrets, format),
    ...replacementLines(state, format),
    ...folder,
    ...lastError,
  ];
  const replacing = state.status === 'deployed' && (health?.compute?.condition === 'replacing' || health?.compute?.condition === 'starting');
  return {
    id, label: state.name, description, tooltip: tooltip.join('\n\n'),
    icon: replacing ? { id: 'sync~spin', color: 'charts.yellow' }
      : unhealthy && state.status === 'deployed' ? { id: 'warning', color: 'list.warningForeground' } : { id: look.icon, color: look.color },
    contextValue: `stack.${state.status}`, collapsible: 'collapsed',
  };
}

/** The tree's short words for a group that is not simply healthy. */
const COMPUTE_WORDS: Readonly<Record<string, string>> = {
  replacing: 'replacing the instance', starting: 'instance starting', 'waiting-for-capacity': 'waiting for capacity',
  paused: 'group at 0', missing: 'group missing',
};

/** The last replacements the group made (newest first), for the tooltip. */
function replacementLines(state: StackState, format: ViewFormat): string[] {
  const recent = state.replacements.slice(-3).reverse();
  if (recent.length === 0) return [];
  return [`Replaced instances:  \n${recent.map((r) => `${localDate(r.at, format)}: ${r.oldInstanceId} → ${r.newInstanceId} (${r.instanceType}, ${r.market}, ${r.zone}) — ${r.reason}`).join('  \n')}`];
}

/** The view's badge: stacks that need a look (unhealthy, or AWS could not be reached) or bill by the hour. */
export function badgeOf(entries: readonly StackEntry[], health: ReadonlyMap<string, StackHealthView>): { value: number; tooltip: string } | undefined {
  let billing = 0;
  let attention = 0;
  for (const entry of entries) {
    if (!entry.state) continue;
    const seen = health.get(keyOf(entry));
    const unhealthy = seen?.error !== undefined || Object.values(seen?.services ?? {}).some((s) => s?.severity === 'critical') || entry.state.status === 'deploy_failed' || entry.state.status === 'destroy_failed';
    if (unhealthy) attention += 1;
    else if (statusLook(entry.state.status).billing) billing += 1;
  }
  if (billing + attention === 0) return undefined;
  const plural = (n: number) => (n === 1 ? 'stack' : 'stacks');
  const parts = [
    ...(billing > 0 ? [`${billing} ${plural(billing)} billing by the hour`] : []),
    ...(attention > 0 ? [`${attention} ${plural(attention)} ${attention === 1 ? 'needs' : 'need'} a look`] : []),
  ];
  return { value: billing + attention, tooltip: parts.join(', ') };
}
