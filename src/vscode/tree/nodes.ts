import {
  type CatalogueService, estimateHourly, formatHourly, type GeuseError, publicUrlOf, type ResourceRecord, servicesOf as catalogueServices, type StackState,
} from '../../engine';
import type { StackEntry, StackListingResult } from '../stacks-source';
import { healthLook, statusLook, type HealthStatus } from './status';

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
  /** The engine's hourly price for the running stack (live, cached or estimated), replacing the bundled estimate. */
  hourly?: { usd: number; source: string; basis: string };
  /** Reaching AWS failed: shown as a retry node under the stack. */
  error?: Pick<GeuseError, 'code' | 'message' | 'nextStep'>;
}

export interface ServiceRow {
  name: CatalogueService;
  port: number;
  /** Path under the stack's reverse proxy; absent for services never opened in a browser (PostgreSQL). */
  proxyPath?: string;
}

export type TreeNode =
  | { kind: 'stack'; entry: StackEntry; health?: StackHealthView }
  | { kind: 'section'; section: 'services' | 'resources' | 'endpoints'; entry: StackEntry; health?: StackHealthView }
  | { kind: 'service'; entry: StackEntry; service: ServiceRow; health?: ServiceHealthView }
  | { kind: 'resource'; entry: StackEntry; record: ResourceRecord }
  | { kind: 'endpoint'; entry: StackEntry; label: string; detail: string; url?: string; service?: CatalogueService }
  | { kind: 'other-workspaces'; entries: StackEntry[] }
  | { kind: 'loading' }
  | { kind: 'empty'; id: string; text: string }
  | { kind: 'error'; error: Pick<GeuseError, 'code' | 'message' | 'nextStep'>; scope: 'root' | 'stack'; stackKey?: string };

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

/** The stack's services from the one catalogue (ports, proxy paths), in compose order. */
export function servicesOf(state: StackState): ServiceRow[] {
  return catalogueServices(state.config).map((spec) => ({ name: spec.name, port: spec.port, proxyPath: spec.proxyPrefix }));
}

export function rootNodes(listing: StackListingResult, health: ReadonlyMap<string, StackHealthView> = new Map()): TreeNode[] {
  const roots: TreeNode[] = listing.workspace.map((entry) => ({ kind: 'stack', entry, health: health.get(keyOf(entry)) }));
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

export function childrenOf(node: TreeNode, health: ReadonlyMap<string, StackHealthView> = new Map()): TreeNode[] {
  switch (node.kind) {
    case 'other-workspaces':
      return node.entries.map((entry) => ({ kind: 'stack', entry, health: health.get(keyOf(entry)) }));
    case 'stack': {
      if (!node.entry.state) return node.entry.error ? [{ kind: 'error', error: node.entry.error, scope: 'stack', stackKey: keyOf(node.entry) }] : [];
      const sections: TreeNode[] = (['services', 'resources', 'endpoints'] as const).map((section) => ({ kind: 'section', section, entry: node.entry, health: node.health }));
      return node.health?.error ? [{ kind: 'error', error: node.health.error, scope: 'stack', stackKey: keyOf(node.entry) }, ...sections] : sections;
    }
    case 'section': {
      const state = node.entry.state;
      if (!state) return [];
      const children = sectionChildren(node.section, node.entry, state, node.health);
      return children.length > 0 ? children : [{ kind: 'empty', id: `${keyOf(node.entry)}::${node.section}::empty`, text: EMPTY_TEXT[node.section] }];
    }
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
    return Object.values(state.resources)
      .filter((record) => record.status === 'created' && record.id)
      .sort((a, b) => RESOURCE_ORDER.indexOf(a.kind) - RESOURCE_ORDER.indexOf(b.kind) || a.key.localeCompare(b.key))
      .map((record) => ({ kind: 'resource', entry, record }));
  }
  return endpointsOf(entry, state);
}

const RESOURCE_ORDER = ['instance', 'cloudfront-distribution', 'load-balancer', 'listener', 'listener-rule', 'target-group', 'vpc', 'subnet', 'internet-gateway', 'route-table', 'security-group', 'efs', 'mount-target', 'iam-role', 'instance-profile', 'ssm-parameter'];

function endpointsOf(entry: StackEntry, state: StackState): TreeNode[] {
  const base = publicBaseUrl(state);
  const web = servicesOf(state).filter((service) => service.proxyPath);
  if (base) {
    return web.map((service) => ({ kind: 'endpoint', entry, service: service.name, label: service.name, detail: `${base}${service.proxyPath}`, url: `${base}${service.proxyPath}` }));
  }
  return web.map((service) => ({ kind: 'endpoint', entry, service: service.name, label: service.name, detail: `SSM tunnel to port ${service.port} (nothing public)` }));
}

const SECTION_TITLES = { services: 'Services', resources: 'Resources', endpoints: 'Endpoints' } as const;
const SECTION_ICONS = { services: 'server-process', resources: 'cloud', endpoints: 'link' } as const;

export function viewOf(node: TreeNode): NodeView {
  switch (node.kind) {
    case 'stack': return stackView(node.entry, node.health);
    case 'other-workspaces':
      return {
        id: 'other-workspaces', label: 'Other workspaces', description: `${node.entries.length} stack${node.entries.length === 1 ? '' : 's'}`,
        tooltip: 'Stacks deployed from other workspaces or folders on this machine.', icon: { id: 'folder-library' }, contextValue: 'group', collapsible: 'expanded',
      };
    case 'section': {
      const state = node.entry.state;
      const count = node.section === 'services' && state ? servicesOf(state).length : undefined;
      const note = node.section === 'services' ? node.health?.note : undefined;
      return {
        id: `${keyOf(node.entry)}::${node.section}`, label: SECTION_TITLES[node.section], description: note ?? (count !== undefined ? String(count) : undefined),
        icon: { id: SECTION_ICONS[node.section] }, contextValue: `section.${node.section}`, collapsible: node.section === 'services' ? 'expanded' : 'collapsed',
      };
    }
    case 'service': {
      const health = node.health;
      const status = health?.status ?? 'unknown';
      const parts = [status === 'unknown' && !health ? 'not checked' : status, health?.latencyMs !== undefined ? `${health.latencyMs} ms` : undefined, `:${node.service.port}`];
      const look = healthLook(status);
      const tooltip = [`**${node.service.name}** on port ${node.service.port}`, `Health: ${status}${health?.severity && health.severity !== 'ok' ? ` (${health.severity})` : ''}`];
      if (health?.lastError) tooltip.push(`Last error: ${health.lastError}`);
      return {
        id: `${keyOf(node.entry)}::service::${node.service.name}`, label: node.service.name, description: parts.filter(Boolean).join(' · '),
        tooltip: tooltip.join('\n\n'), icon: { id: health?.severity === 'warning' && status === 'healthy' ? 'warning' : look.icon, color: look.color },
        contextValue: node.service.proxyPath ? 'service' : 'service.internal', collapsible: 'none',
      };
    }
    case 'resource':
      return {
        // The key says which one (subnet-a, sg-efs, secret-qdrant-api-key); the icon and tooltip say the kind.
        id: `${keyOf(node.entry)}::resource::${node.record.key}`, label: node.record.key,
        description: node.record.id, tooltip: `**${node.record.kind}** \`${node.record.id}\`${node.record.external ? '\n\nNot created by GeuseMaker: never deleted by it.' : ''}`,
        icon: { id: RESOURCE_ICONS[node.record.kind] ?? 'symbol-misc' }, contextValue: 'resource', collapsible: 'none',
      };
    case 'endpoint':
      return {
        id: `${keyOf(node.entry)}::endpoint::${node.label}`, label: node.label, description: node.detail,
        tooltip: node.url ? `Open ${node.url}` : 'Reached through an SSM port-forwarding tunnel: use Open Service.',
        icon: { id: node.url ? 'globe' : 'plug' }, contextValue: 'endpoint', collapsible: 'none',
        command: { command: 'geusemaker.openService', title: 'Open', withNode: true },
      };
    case 'empty':
      return { id: node.id, label: node.text, contextValue: 'empty', collapsible: 'none' };
    case 'loading':
      return { id: 'loading', label: 'Loading stacks…', icon: { id: 'loading~spin' }, contextValue: 'loading', collapsible: 'none' };
    case 'error':
      return {
        id: `error::${node.stackKey ?? 'root'}::${node.error.code}`,
        label: node.scope === 'root' ? 'Could not load stacks — click to retry' : 'Could not reach AWS — click to retry', description: node.error.message,
        tooltip: `**${node.error.code}**\n\n${node.error.message}\n\n${node.error.nextStep}`, icon: { id: 'error', color: 'errorForeground' },
        contextValue: 'error', collapsible: 'none', command: { command: 'geusemaker.refresh', title: 'Retry' },
      };
  }
}

const RESOURCE_ICONS: Partial<Record<string, string>> = {
  instance: 'vm', vpc: 'type-hierarchy', subnet: 'symbol-namespace', 'internet-gateway': 'globe', 'route-table': 'list-tree',
  'security-group': 'shield', efs: 'database', 'mount-target': 'plug', 'iam-role': 'person', 'instance-profile': 'person', 'ssm-parameter': 'key',
  'load-balancer': 'server-environment', 'target-group': 'target', listener: 'radio-tower', 'listener-rule': 'filter', 'cloudfront-distribution': 'cloud',
};

function stackView(entry: StackEntry, health: StackHealthView | undefined): NodeView {
  const id = `${entry.origin}::${keyOf(entry)}`;
  const state = entry.state;
  if (!state) {
    return {
      id, label: entry.ref.name, description: 'unreadable state', icon: { id: 'warning', color: 'errorForeground' },
      tooltip: entry.error ? `**${entry.error.code}**\n\n${entry.error.message}\n\n${entry.error.nextStep}` : undefined, contextValue: 'stack.unreadable', collapsible: 'collapsed',
    };
  }
  const look = statusLook(state.status);
  const unhealthy = health && Object.values(health.services).some((s) => s?.severity === 'critical');
  const drifted = state.status === 'deployed' && health?.instanceState && health.instanceState !== 'running' ? `instance ${health.instanceState}` : undefined;
  const booting = state.status === 'deployed' && health?.bootstrap && health.bootstrap.state !== 'ok' ? `bootstrap ${health.bootstrap.state}${health.bootstrap.state === 'failed' ? ` at ${health.bootstrap.step}` : ''}` : undefined;
  const bundled = look.billing ? estimateHourly(state.config) : undefined;
  const hourly = look.billing && health?.hourly
    ? { text: `$${health.hourly.usd.toFixed(3)}/h ${health.hourly.source === 'live' ? 'live' : health.hourly.source.startsWith('cached') ? 'cached' : 'est.'}`, basis: health.hourly.basis }
    : bundled ? { text: formatHourly(bundled), basis: bundled.basis } : undefined;
  const description = [state.config.tier, drifted ?? booting ?? look.label, hourly?.text].filter(Boolean).join(' · ');
  const tooltip = [
    `**${state.name}** — ${look.label}`,
    `Region: ${state.region}  \nInstance: ${state.config.instanceType} (${state.config.market})  \nCreated: ${state.createdAt}`,
    ...(hourly ? [`Cost: ${hourly.text} — ${hourly.basis}`] : []),
    ...(entry.origin === 'other' ? [`State folder: \`${entry.ref.stateDir}\``] : []),
    ...(state.lastError ? [`Last error (${state.lastError.code}): ${state.lastError.message}\n\n${state.lastError.nextStep}`] : []),
  ];
  return {
    id, label: state.name, description, tooltip: tooltip.join('\n\n'),
    icon: unhealthy && state.status === 'deployed' ? { id: 'warning', color: 'list.warningForeground' } : { id: look.icon, color: look.color },
    contextValue: `stack.${state.status}`, collapsible: 'collapsed',
  };
}
