import type { WizardFieldError } from '../../src/protocol/wizard';
import { el } from '../shared/dom';

/** Inline errors: each field group has a slot; errors no slot claims go to the step's own slot. */

const STEP_SLOT = '*';

const claims = (prefix: string, field: string) => field === prefix || field.startsWith(`${prefix}.`);

export const errorId = (prefix: string) => `error-${prefix.replace(/[^a-zA-Z0-9]/g, '-')}`;

/** What each field is called on the page, so a message names what the user sees (never a config key). */
const FIELD_WORDS: Record<string, string> = {
  name: 'stack name', tier: 'tier', region: 'region', profile: 'profile', network: 'network', 'network.vpcId': 'VPC', 'network.subnetIds': 'subnet choice',
  instanceType: 'instance type', market: 'market', onDemandFallback: 'on-demand fallback', rootVolumeGb: 'root disk size', services: 'service choice',
  ollamaModels: 'model choice', access: 'access', 'access.mode': 'access', 'access.cidr': 'address range', cloudFront: 'CloudFront choice', certificateArn: 'certificate',
  scale: 'scale-out', 'scale.n8nWorkers': 'n8n worker pool', 'scale.n8nWorkers.min': 'fewest n8n workers', 'scale.n8nWorkers.max': 'most n8n workers',
  'scale.n8nWorkers.instanceTypes': 'n8n worker types', 'scale.n8nWorkers.market': "n8n workers' market", 'scale.n8nWorkers.scaleOn': 'scaling signal',
  'scale.n8nWorkers.targetCpuPercent': 'CPU target', 'scale.n8nWorkers.targetWaitingPerWorker': 'waiting executions per worker',
  'scale.ollamaWorkers': 'Ollama worker pool', 'scale.ollamaWorkers.min': 'fewest Ollama workers', 'scale.ollamaWorkers.max': 'most Ollama workers',
  'scale.ollamaWorkers.instanceTypes': 'Ollama worker types', 'scale.ollamaWorkers.market': "Ollama workers' market",
  'scale.ollamaWorkers.targetRequestsPerWorker': 'requests per worker', 'scale.database': 'database choice', 'scale.queue': 'queue choice',
  'scale.databaseClass': 'database class', 'scale.databaseStorageGb': 'database storage', 'scale.cacheNodeType': 'queue node type',
};

/** The words of the field or of its nearest parent that has some ("scale.n8nWorkers.instanceTypes.0" → the worker types). */
function fieldWords(field: string): string {
  const parts = field.split('.');
  for (let n = parts.length; n > 0; n--) {
    const words = FIELD_WORDS[parts.slice(0, n).join('.')];
    if (words) return words;
  }
  return 'setting';
}

/** The schema's messages are predicates ("must be…"): they get the field's name on the page as subject. */
export function sentence(error: WizardFieldError): string {
  const field = fieldWords(error.field);
  const text = /^(must|is|has|may|needs|cannot|runs)\b/.test(error.message) ? `The ${field} ${error.message}` : error.message.charAt(0).toUpperCase() + error.message.slice(1);
  return /[.!?]$/.test(text) ? text : `${text}.`;
}

export function errorSlot(prefix: string): HTMLElement {
  return el('p', { className: 'field-error', attrs: { id: errorId(prefix), 'data-error-for': prefix, 'aria-live': 'polite' } });
}

export function stepErrorSlot(): HTMLElement {
  return errorSlot(STEP_SLOT);
}

/** Fills every slot under root; used after a render and after a check answered while the user types. */
export function fillErrorSlots(root: ParentNode, errors: readonly WizardFieldError[]): void {
  const slots = [...root.querySelectorAll<HTMLElement>('[data-error-for]')];
  const prefixes = slots.map((slot) => slot.dataset.errorFor ?? '').filter((p) => p !== STEP_SLOT);
  // Each error goes to the most specific slot on the page (network.vpcId before network), else the step's.
  const owner = (field: string) => prefixes.filter((p) => claims(p, field)).sort((a, b) => b.length - a.length)[0] ?? STEP_SLOT;
  for (const slot of slots) {
    const prefix = slot.dataset.errorFor ?? '';
    const mine = errors.filter((e) => owner(e.field) === prefix);
    slot.replaceChildren(...mine.map((e) => el('span', { text: sentence(e) })));
  }
  for (const field of root.querySelectorAll<HTMLElement & { invalid: boolean }>('vscode-textfield[data-field]')) {
    field.invalid = errors.some((e) => claims(field.dataset.field ?? '', e.field));
  }
}

export function section(title: string, ...children: Node[]): HTMLElement {
  return el('section', { className: 'group' }, el('h2', { text: title }), ...children);
}

export function hint(text: string): HTMLElement {
  return el('p', { className: 'hint', text });
}

/** Marks a text field as editing `path`, so a check's errors on it mark it invalid. */
export function field<T extends HTMLElement>(path: string, element: T): T {
  element.dataset.field = path;
  return element;
}
