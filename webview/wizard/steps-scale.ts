import { DEFAULT_CACHE_NODE_TYPE, DEFAULT_DATABASE_CLASS, N8N_CONCURRENCY_PER_VCPU } from '../../src/engine/stack/scale-config';
import { defaultOllamaWorkersDraft, type Draft, type OllamaWorkersDraft, type ScaleDraft } from '../../src/protocol/wizard';
import { checkbox, radioGroup, textfield } from '../components';
import { el } from '../shared/dom';
import { errorId, errorSlot, field, hint, section } from './fields';
import type { WizardView } from './view';

/** The Scale out step (only while scale-out is on): the n8n worker pool, Ollama workers, where the database and queue run. */

type N8nPool = ScaleDraft['n8nWorkers'];
type Count = number | string;

/** Typed text as the draft keeps it: a whole number when it is one, else the text (the host's check names the problem). */
export function countOf(text: string): Count {
  const trimmed = text.trim().slice(0, 16);
  return /^-?\d{1,7}$/.test(trimmed) ? Number(trimmed) : trimmed;
}

/** "c7i.large, c6i.large" → the list; commas or spaces between. */
export function typesOf(text: string): string[] {
  return text.split(/[\s,]+/).filter(Boolean).slice(0, 32).map((type) => type.slice(0, 64));
}

const withScale = (d: Draft, update: (scale: ScaleDraft) => ScaleDraft): Draft => (d.scale ? { ...d, scale: update(d.scale) } : d);
const withN8n = (d: Draft, patch: Partial<N8nPool>): Draft => withScale(d, (s) => ({ ...s, n8nWorkers: { ...s.n8nWorkers, ...patch } }));
const withOllama = (d: Draft, patch: Partial<OllamaWorkersDraft>): Draft =>
  withScale(d, (s) => (s.ollamaWorkers ? { ...s, ollamaWorkers: { ...s.ollamaWorkers, ...patch } } : s));

interface TextOptions {
  path: string;
  key: string;
  label: string;
  value: string;
  placeholder: string;
  set: (draft: Draft, text: string) => Draft;
}

/** A labelled text field editing `path`, with its error slot; errors show once it is left. */
function textField(view: WizardView, o: TextOptions): HTMLElement[] {
  return [
    el('label', { text: o.label }),
    field(o.path, textfield({
      value: o.value, label: o.label, placeholder: o.placeholder, key: o.key, describedBy: errorId(o.path),
      onInput: (text) => view.type((d) => o.set(d, text)), onBlur: () => view.blur(o.path),
    })),
    errorSlot(o.path),
  ];
}

const countField = (view: WizardView, o: Omit<TextOptions, 'value' | 'set'> & { value: Count; set: (draft: Draft, value: Count) => Draft }) =>
  textField(view, { ...o, value: String(o.value), set: (d, text) => o.set(d, countOf(text)) });

function marketChoice(view: WizardView, path: string, key: string, value: 'spot' | 'on-demand', set: (d: Draft, market: 'spot' | 'on-demand') => Draft): HTMLElement[] {
  return [
    el('h3', { text: 'Market' }),
    radioGroup({
      label: 'Market', key, value,
      choices: [
        { value: 'spot', label: 'Spot', description: 'Usually 60–70% cheaper; AWS may reclaim a worker with two minutes\' notice and the group replaces it.' },
        { value: 'on-demand', label: 'On-demand', description: 'Full price, never reclaimed.' },
      ],
      onChange: (market) => view.change((d) => set(d, market), [path]),
    }),
    errorSlot(path),
  ];
}

function n8nSection(view: WizardView, pool: N8nPool): HTMLElement {
  const path = 'scale.n8nWorkers';
  const target = pool.scaleOn === 'cpu'
    ? countField(view, { path: `${path}.targetCpuPercent`, key: 'n8n-target-cpu', label: 'Average CPU to hold the workers at (%)', value: pool.targetCpuPercent, placeholder: '60', set: (d, targetCpuPercent) => withN8n(d, { targetCpuPercent }) })
    : countField(view, { path: `${path}.targetWaitingPerWorker`, key: 'n8n-target-waiting', label: 'Waiting executions per worker to aim for', value: pool.targetWaitingPerWorker, placeholder: '10', set: (d, targetWaitingPerWorker) => withN8n(d, { targetWaitingPerWorker }) });
  return section('n8n workers',
    hint(`The stack's instance keeps n8n's editor, triggers and webhooks; the workers run the executions, each up to ${N8N_CONCURRENCY_PER_VCPU} at once per vCPU.`),
    ...countField(view, { path: `${path}.min`, key: 'n8n-min', label: 'Fewest workers', value: pool.min, placeholder: '1', set: (d, min) => withN8n(d, { min }) }),
    ...countField(view, { path: `${path}.max`, key: 'n8n-max', label: 'Most workers', value: pool.max, placeholder: '4', set: (d, max) => withN8n(d, { max }) }),
    ...textField(view, { path: `${path}.instanceTypes`, key: 'n8n-types', label: 'Instance types (interchangeable; spot draws on all of them)', value: pool.instanceTypes.join(', '), placeholder: 'c7i.large, c6i.large, m7i.large', set: (d, text) => withN8n(d, { instanceTypes: typesOf(text) }) }),
    ...marketChoice(view, `${path}.market`, 'n8n-market', pool.market, (d, market) => withN8n(d, { market })),
    el('h3', { text: 'Scale on' }),
    radioGroup({
      label: 'Scale on', key: 'n8n-scale-on', value: pool.scaleOn,
      choices: [
        { value: 'cpu', label: 'Average CPU', description: 'Target tracking on the workers\' average CPU (1-minute metrics).' },
        { value: 'queue', label: 'Waiting executions', description: 'Target tracking on n8n\'s waiting jobs per worker, which the instance publishes to CloudWatch every minute; reacts to a backlog even when the executions wait on remote APIs and use little CPU.' },
      ],
      onChange: (scaleOn) => view.change((d) => withN8n(d, { scaleOn }), [`${path}.scaleOn`]),
    }),
    errorSlot(`${path}.scaleOn`),
    ...target,
    errorSlot(path),
  );
}

function ollamaSection(view: WizardView): HTMLElement {
  const path = 'scale.ollamaWorkers';
  const pool = view.draft.scale?.ollamaWorkers;
  const ollamaOn = view.draft.services.ollama;
  const group = section('Ollama workers (optional)',
    checkbox({
      label: 'Add Ollama workers behind an internal load balancer', key: 'ollama-workers', checked: pool !== undefined,
      // Left enabled while a pool exists, so one kept from a file can be taken off.
      disabled: !ollamaOn && pool === undefined,
      onChange: (on) => view.change((d) => withScale(d, (s) => {
        const { ollamaWorkers: _pool, ...rest } = s;
        return on ? { ...rest, ollamaWorkers: s.ollamaWorkers ?? defaultOllamaWorkersDraft() } : rest;
      }), [path]),
    }),
    hint(ollamaOn
      ? 'Models load from EFS; n8n\'s Ollama URL points at the load balancer, which spreads requests over the workers.'
      : 'Needs Ollama, which is off on the Services step.'),
    errorSlot(path),
  );
  if (!pool) return group;
  group.append(
    ...countField(view, { path: `${path}.min`, key: 'ollama-min', label: 'Fewest workers', value: pool.min, placeholder: '1', set: (d, min) => withOllama(d, { min }) }),
    ...countField(view, { path: `${path}.max`, key: 'ollama-max', label: 'Most workers', value: pool.max, placeholder: '2', set: (d, max) => withOllama(d, { max }) }),
    ...textField(view, { path: `${path}.instanceTypes`, key: 'ollama-types', label: 'Instance types (GPU types such as g4dn.xlarge, or CPU types)', value: pool.instanceTypes.join(', '), placeholder: 'g4dn.xlarge, g5.xlarge', set: (d, text) => withOllama(d, { instanceTypes: typesOf(text) }) }),
    ...marketChoice(view, `${path}.market`, 'ollama-market', pool.market, (d, market) => withOllama(d, { market })),
    ...countField(view, { path: `${path}.targetRequestsPerWorker`, key: 'ollama-target', label: 'Requests per worker per minute to aim for', value: pool.targetRequestsPerWorker, placeholder: '30', set: (d, targetRequestsPerWorker) => withOllama(d, { targetRequestsPerWorker }) }),
  );
  return group;
}

function servicesSection(view: WizardView, scale: ScaleDraft): HTMLElement {
  return section('Database and queue',
    el('h3', { text: 'PostgreSQL' }),
    radioGroup({
      label: 'PostgreSQL', key: 'database', value: scale.database,
      choices: [
        { value: 'rds', label: 'Amazon RDS (recommended)', description: `One stable endpoint every worker reaches, whatever happens to the instance: ${scale.databaseClass ?? DEFAULT_DATABASE_CLASS}, encrypted, in private subnets, automated backups. An existing stack's data is copied in (backup first, row counts checked) before n8n switches.` },
        { value: 'instance', label: 'The instance\'s own PostgreSQL', description: 'No RDS to pay for; workers follow the instance\'s address, which changes each time the instance is replaced (a spot reclaim), and lose the database until the new one is up.' },
      ],
      onChange: (database) => view.change((d) => withScale(d, (s) => ({ ...s, database })), ['scale.database']),
    }),
    errorSlot('scale.database'),
    el('h3', { text: 'Queue' }),
    radioGroup({
      label: 'Queue', key: 'queue', value: scale.queue,
      choices: [
        { value: 'elasticache', label: 'Amazon ElastiCache (recommended)', description: `Valkey (Redis-compatible) on ${scale.cacheNodeType ?? DEFAULT_CACHE_NODE_TYPE}, encrypted in transit and at rest, with an auth token. It cannot be stopped: it bills while the stack is paused.` },
        { value: 'instance', label: 'Redis on the instance', description: 'No ElastiCache to pay for; the queue stops while the instance is replaced, and workers follow its new address.' },
      ],
      onChange: (queue) => view.change((d) => withScale(d, (s) => ({ ...s, queue })), ['scale.queue']),
    }),
    errorSlot('scale.queue'),
    hint('RDS and ElastiCache need subnets in two Availability Zones: a new network gets two private subnets for them.'),
  );
}

export function scaleStep(view: WizardView): HTMLElement[] {
  const scale = view.draft.scale;
  if (!scale) return [hint('Scale-out is off: turn it on at the Services step.')];
  return [
    section('Queue mode', hint('n8n runs in queue mode: the instance puts executions on a queue and workers in their own Auto Scaling groups take them. Pause takes every pool to 0 and resume brings them back.'), errorSlot('scale')),
    n8nSection(view, scale.n8nWorkers),
    ollamaSection(view),
    servicesSection(view, scale),
  ];
}
