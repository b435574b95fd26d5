import { cloudFrontIsAlways, cloudFrontIsChoice, isGpuTier, isLoadBalanced, tierNames } from '../../src/engine/tiers';
import { defaultScaleDraft, type Draft, type WizardReview } from '../../src/protocol/wizard';
import { checkbox, radioGroup, spinner, textfield, button } from '../components';
import { el } from '../shared/dom';
import { errorId, errorSlot, field, hint, section } from './fields';
import { money } from './format';
import type { WizardView } from './view';

/** Steps 4–6: services, access, review. */

type ServiceName = keyof Draft['services'];
const SERVICES: readonly { name: ServiceName; label: string }[] = [
  { name: 'n8n', label: 'n8n — workflow automation (needs PostgreSQL)' },
  { name: 'ollama', label: 'Ollama — local language models' },
  { name: 'qdrant', label: 'Qdrant — vector database' },
  { name: 'crawl4ai', label: 'Crawl4AI — web crawler for LLMs' },
  { name: 'postgres', label: 'PostgreSQL — database' },
];

export function servicesStep(view: WizardView): HTMLElement[] {
  const { draft } = view;
  const services = section('Services',
    ...SERVICES.map((s) => checkbox({
      label: s.label, key: `service:${s.name}`, checked: draft.services[s.name],
      onChange: (on) => view.change((d) => ({ ...d, services: { ...d.services, [s.name]: on } }), ['services']),
    })),
    errorSlot('services'),
  );
  if (isGpuTier(draft.tier)) services.append(hint('GPU stacks add ComfyUI with LTX-2 video generation.'));
  const parts = [services];
  if (draft.services.ollama) {
    const models = view.init?.models ?? [];
    const total = models.filter((m) => draft.ollamaModels.includes(m.name)).reduce((sum, m) => sum + m.sizeGB, 0);
    parts.push(section('Ollama models to pre-pull',
      ...models.map((m) => checkbox({
        label: `${m.name} — ${m.sizeGB} GB download, ${m.what}`, key: `model:${m.name}`, checked: draft.ollamaModels.includes(m.name),
        onChange: (on) => view.change((d) => ({ ...d, ollamaModels: on ? [...d.ollamaModels.filter((n) => n !== m.name), m.name] : d.ollamaModels.filter((n) => n !== m.name) }), ['ollamaModels']),
      })),
      hint(`Downloads ${total.toFixed(1)} GB on first boot; more can be pulled later.`),
      errorSlot('ollamaModels'),
    ));
  }
  parts.push(scaleToggle(view));
  return parts;
}

/** Scale-out is off unless turned on here; on, it adds the Scale out step after this one. */
function scaleToggle(view: WizardView): HTMLElement {
  const on = view.draft.scale !== undefined;
  return section('Scale out (optional)',
    checkbox({
      label: 'Scale n8n out: queue mode with worker pools on EC2 Auto Scaling (adds a Scale out step)', key: 'scale', checked: on,
      onChange: (checked) => view.change((d) => {
        const { scale: _scale, ...rest } = d;
        return checked ? { ...rest, scale: d.scale ?? defaultScaleDraft() } : rest;
      }),
    }),
    hint("For workflows that outgrow one instance: the instance keeps n8n's editor, triggers and webhooks, and executions run on workers that Auto Scaling adds and removes. By default n8n's database moves to RDS and its queue to ElastiCache; ElastiCache bills by the hour even while the stack is paused (docs/scaling.md)."),
  );
}

type AccessChoice = 'ssm' | 'cidr' | 'alb' | 'cloudfront';

function accessChoiceOf(draft: Draft): AccessChoice {
  if (draft.access.mode !== 'load-balancer') return draft.access.mode;
  return cloudFrontIsAlways(draft.tier) || draft.cloudFront ? 'cloudfront' : 'alb';
}

/** What each choice makes of the draft; the tier decides which are open (the engine refuses the others). */
function withAccess(d: Draft, choice: AccessChoice): Draft {
  const { cloudFront: _cloudFront, ...rest } = d;
  switch (choice) {
    case 'ssm': return { ...rest, access: { mode: 'ssm' } };
    case 'cidr': return { ...rest, access: { mode: 'cidr', cidr: d.access.mode === 'cidr' ? d.access.cidr : '' } };
    case 'alb': return { ...rest, access: d.access.mode === 'load-balancer' ? d.access : { mode: 'load-balancer' } };
    case 'cloudfront': return { ...rest, access: { mode: 'load-balancer' }, ...(cloudFrontIsChoice(d.tier) ? { cloudFront: true } : {}) };
  }
}

function closedBecause(tier: Draft['tier'], choice: AccessChoice): string | undefined {
  if (!isLoadBalanced(tier)) return choice === 'alb' || choice === 'cloudfront' ? `Needs the ${tierNames((spec) => spec.loadBalancer)} tier.` : undefined;
  if (choice === 'ssm' || choice === 'cidr') return `The ${tier} tier is reached through its load balancer.`;
  if (cloudFrontIsAlways(tier) && choice === 'alb') return 'GPU stacks always have CloudFront in front of the load balancer.';
  return undefined;
}

export function accessStep(view: WizardView): HTMLElement[] {
  const { draft } = view;
  const choices: { value: AccessChoice; label: string; description: string }[] = [
    { value: 'ssm', label: 'SSM tunnels only (recommended)', description: 'Nothing public: services open through an encrypted Session Manager tunnel to your machine.' },
    { value: 'cidr', label: 'My IP only', description: 'Port 80 (the password-protected proxy) is open to one address range you give.' },
    { value: 'alb', label: 'Load balancer', description: 'A public URL on an Application Load Balancer (HTTPS with your ACM certificate); the instance takes traffic only from the load balancer.' },
    { value: 'cloudfront', label: 'CloudFront', description: 'An HTTPS CloudFront URL in front of the load balancer, which answers CloudFront only (a secret header); takes 5–20 minutes to go live.' },
  ];
  const group = section('Access',
    radioGroup<AccessChoice>({
      label: 'Access', key: 'access', value: accessChoiceOf(draft),
      choices: choices.map((c) => {
        const closed = closedBecause(draft.tier, c.value);
        return { ...c, description: closed ? `${c.description} ${closed}` : c.description, disabled: closed !== undefined };
      }),
      onChange: (choice) => view.change((d) => withAccess(d, choice), ['access.mode', 'cloudFront']),
    }),
    errorSlot('access'), errorSlot('access.mode'), errorSlot('cloudFront'),
  );
  if (draft.access.mode === 'cidr') {
    const cidr = draft.access.cidr;
    group.append(
      el('h3', { text: 'Your address range' }),
      field('access.cidr', textfield({
        value: cidr, label: 'Your address range', placeholder: '203.0.113.7/32', key: 'cidr', describedBy: errorId('access.cidr'),
        onInput: (value) => view.type((d) => ({ ...d, access: { mode: 'cidr', cidr: value } })), onBlur: () => view.blur('access.cidr'),
      })),
      hint('Your public IPv4 address with /32 (search "what is my IP").'),
      errorSlot('access.cidr'),
    );
  }
  if (accessChoiceOf(draft) === 'alb') {
    const cidr = draft.access.mode === 'load-balancer' ? draft.access.cidr ?? '' : '';
    group.append(
      el('h3', { text: 'Who may reach the load balancer' }),
      field('access.cidr', textfield({
        value: cidr, label: 'Only this address range (optional)', placeholder: 'empty: the whole internet; or 203.0.113.7/32', key: 'cidr', describedBy: errorId('access.cidr'),
        onInput: (value) => view.type((d) => ({ ...d, access: value.trim() === '' ? { mode: 'load-balancer' } : { mode: 'load-balancer', cidr: value.trim() } })),
        onBlur: () => view.blur('access.cidr'),
      })),
      hint('Empty opens the load balancer to everyone (services keep their own logins); an address with /32 admits only you.'),
      errorSlot('access.cidr'),
    );
  }
  group.append(
    el('h3', { text: 'When AWS replaces the instance' }),
    hint('Spot instances can be taken back with two minutes\' notice; the stack\'s Auto Scaling group then launches a replacement on the same data. Get its notices by email, with no editor open.'),
    field('notifyEmail', textfield({
      value: draft.notifyEmail ?? '', label: 'Email me its notices (optional)', placeholder: 'you@example.com', key: 'notifyEmail', describedBy: errorId('notifyEmail'),
      onInput: (value) => view.type((d) => ({ ...d, notifyEmail: value })), onBlur: () => view.blur('notifyEmail'),
    })),
    hint('AWS mails a link to confirm the address first.'),
    errorSlot('notifyEmail'),
  );
  return [group];
}

const ACTION_WORDS: Record<WizardReview['items'][number]['action'], string> = {
  create: 'Create', reuse: 'Reuse', keep: 'Keep', use: 'Use', wait: 'Wait', update: 'Update in place', replace: 'Replace', delete: 'Delete', unchanged: 'Unchanged',
};

function planTable(review: WizardReview): HTMLElement {
  const count = (action: string) => review.items.filter((i) => i.action === action).length;
  const counts = review.changes
    ? `${count('create')} to create, ${count('update')} to update in place, ${count('replace')} to replace, ${count('delete')} to delete, ${count('unchanged')} unchanged.`
    : `${count('create')} to create, ${count('reuse')} to reuse, ${count('keep')} to keep.`;
  const changes = review.changes
    ? [el('h3', { text: review.changes.length > 0 ? 'Changes to the applied configuration' : 'No setting changes' }),
      el('ul', { className: 'changes' }, ...review.changes.map((line) => el('li', { text: line })))]
    : [];
  const effects = review.effects && review.effects.length > 0
    ? [el('h3', { text: 'What you will notice' }), el('ul', { className: 'effects' }, ...review.effects.map((line) => el('li', { text: line })))]
    : [];
  return section('Plan', ...changes,
    el('table', { className: 'plan' },
      el('thead', {}, el('tr', {}, el('th', { text: 'Action' }), el('th', { text: 'What' }), el('th', { text: 'IDs / notes' }))),
      el('tbody', {}, ...review.items.map((item) => el('tr', { className: `action-${item.action}` },
        el('td', { className: 'action', text: ACTION_WORDS[item.action] }), el('td', { text: item.title }),
        el('td', { text: [item.ids.join(', '), item.note].filter(Boolean).join(' — ') }),
      ))),
    ),
    el('p', { className: 'counts', text: counts }),
    ...effects,
  );
}

function estimate(monthly: NonNullable<WizardReview['monthly']>): HTMLElement {
  return section('Monthly estimate',
    el('table', { className: 'estimate' },
      el('tbody', {}, ...monthly.lines.map((line) => el('tr', {}, el('td', { text: line.item }), el('td', { className: 'usd', text: money(line.usd) })))),
      el('tfoot', {}, el('tr', {}, el('th', { text: 'Total (estimated)' }), el('th', { className: 'usd', text: `${money(monthly.totalUsd)}/month` }))),
    ),
    ...(monthly.pools ? [el('p', { className: 'pool-range', text: `With every worker pool at its min: ${money(monthly.pools.atMinUsd)}/month; at its max: ${money(monthly.pools.atMaxUsd)}/month.` })] : []),
    el('ul', { className: 'assumptions' }, ...monthly.assumptions.map((a) => el('li', { text: a }))),
  );
}

export function reviewStep(view: WizardView): HTMLElement[] {
  const review = view.review;
  if (!review || review.loading) return [el('p', { className: 'loading' }, spinner('Planning'), el('span', { text: ' Asking the engine for a plan…' }))];
  if (review.error || !review.value) {
    return [el('div', { className: 'banner error', attrs: { role: 'alert' } }, el('p', { text: review.error ?? 'No plan.' }), button({ label: 'Plan Again', key: 'retry:plan', secondary: true, onClick: () => view.retry('review') }))];
  }
  const value = review.value;
  const parts = [section('Summary', ...value.summary.map((line) => el('p', { className: 'summary-line', text: line })))];
  if (value.scale) parts.push(section('Scale out', el('ul', { className: 'scale-lines' }, ...value.scale.map((line) => el('li', { text: line })))));
  if (value.warnings.length > 0) parts.push(el('div', { className: 'banner warning', attrs: { role: 'note' } }, el('h2', { text: 'Warnings' }), el('ul', {}, ...value.warnings.map((w) => el('li', { text: w })))));
  parts.push(planTable(value));
  parts.push(value.monthly ? estimate(value.monthly) : section('Monthly estimate', el('p', { className: 'estimate-unknown', text: `Monthly cost unknown: no believable price is known for ${view.draft.instanceType} in ${view.draft.region}.` })));
  return parts;
}
