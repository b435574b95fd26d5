import { DEFAULT_INSTANCE_TYPE, isLoadBalanced } from '../../src/engine/tiers';
import { retier, type InstanceChoice, type WizardVpc } from '../../src/protocol/wizard';
import { button, checkbox, radioGroup, select, spinner, textfield } from '../components';
import { el } from '../shared/dom';
import { errorId, errorSlot, field, hint, section } from './fields';
import { basisText, tierCost } from './estimate-text';
import { estimatedReason, instanceFacts, vpcDescription, vpcLabel } from './format';
import type { Loadable, WizardView } from './view';

/** Steps 1–3: name and tier, AWS account and network, instance. */

function loading<T>(what: Loadable<T> | undefined, label: string, retry: () => void): HTMLElement | undefined {
  if (!what || what.loading) return el('p', { className: 'loading' }, spinner(label), el('span', { text: ` ${label}…` }));
  if (what.error) {
    return el('div', { className: 'banner error', attrs: { role: 'alert' } },
      el('p', { text: what.error }), button({ label: 'Retry', key: `retry:${label}`, secondary: true, onClick: retry }));
  }
  return undefined;
}

/** Start from the workspace's config file, or say what was taken from it. */
function fromFile(view: WizardView): HTMLElement[] {
  if (view.fromFile) {
    return [section('Started from a file',
      hint(`Filled in from ${view.fromFile.source}. Deploy and "Save as geusemaker.yaml" use what the steps show.`),
      ...(view.fromFile.notes.length > 0 ? [el('ul', { className: 'file-notes' }, ...view.fromFile.notes.map((note) => el('li', { text: note })))] : []),
    )];
  }
  const file = view.init?.configFile;
  if (!file) return [];
  return [section('Start from a file',
    hint(`This workspace has ${file}.`),
    button({ label: `Start from ${file}`, key: 'loadFile', secondary: true, disabled: view.busy.has('loadFile'), onClick: view.loadFile }),
  )];
}

export function basicsStep(view: WizardView): HTMLElement[] {
  const tiers = view.init?.tiers ?? [];
  return [
    ...fromFile(view),
    section('Name',
      hint('Lowercase letters, digits and dashes; it names every AWS resource of the stack.'),
      field('name', textfield({
        value: view.draft.name, label: 'Stack name', placeholder: 'demo', key: 'name', describedBy: errorId('name'),
        onInput: (name) => view.type((d) => ({ ...d, name })), onBlur: () => view.blur('name'),
      })),
      errorSlot('name'),
    ),
    section('Tier',
      radioGroup({
        label: 'Tier', key: 'tier', value: view.draft.tier,
        choices: tiers.map((t) => ({
          value: t.tier, label: `${t.tier}${tierCost(view, t.tier)}`,
          description: t.adds,
        })),
        onChange: (tier) => view.change((d) => retier(d, tier, view.init?.draft.instanceType ?? DEFAULT_INSTANCE_TYPE), ['tier']),
      }),
      el('p', { className: 'hint estimate-basis', text: basisText(view) }),
      errorSlot('tier'),
    ),
  ];
}

function subnetPicker(view: WizardView, vpc: WizardVpc, chosen: readonly string[]): HTMLElement {
  const toggle = (id: string, on: boolean) => view.change((d) => (d.network.mode !== 'existing' ? d : {
    ...d, network: { ...d.network, subnetIds: on ? [...d.network.subnetIds.filter((s) => s !== id), id] : d.network.subnetIds.filter((s) => s !== id) },
  }), ['network.subnetIds']);
  const zones = new Set(vpc.subnets.filter((s) => s.public && chosen.includes(s.id)).map((s) => s.zone));
  const alb = isLoadBalanced(view.draft.tier);
  return el('div', { className: 'subnets' },
    el('h3', { text: 'Subnets' }),
    ...vpc.subnets.map((s) => checkbox({
      label: `${s.id} · ${s.zone} · ${s.cidr} · ${s.public ? 'public' : 'private (no internet gateway route)'}`,
      checked: chosen.includes(s.id), key: `subnet:${s.id}`, onChange: (on) => toggle(s.id, on),
    })),
    hint(`Chosen public subnets cover ${zones.size} availability zone${zones.size === 1 ? '' : 's'}. ${alb ? `The ${view.draft.tier} tier's load balancer needs public subnets in two AZs.` : `The ${view.draft.tier} tier needs one public subnet; tiers with a load balancer need two AZs.`}`),
    errorSlot('network.subnetIds'),
  );
}

/** Who the credentials are, a spinner while AWS is asked, or what is wrong with the button that fixes it. */
function identityView(view: WizardView): HTMLElement {
  const identity = view.identity;
  if (!identity || identity.loading || !identity.value) {
    return el('p', { className: 'identity loading', attrs: { role: 'status' } }, spinner('Checking the credentials'), el('span', { text: ' Checking the credentials with AWS…' }));
  }
  const { account, arn, problem } = identity.value;
  if (account) return el('p', { className: 'identity verified', attrs: { role: 'status' }, text: `Account ${account} · ${arn ?? ''}` });
  return el('div', { className: 'banner error identity-problem', attrs: { role: 'alert' } },
    el('p', { className: 'problem-title', text: problem?.title ?? 'These credentials could not be checked.' }),
    ...(problem?.detail ? [el('p', { className: 'problem-detail', text: problem.detail })] : []),
    el('div', { className: 'actions' },
      ...(problem?.fixes ?? []).map((fix) => button({ label: fix, key: `fix:${fix}`, disabled: view.busy.has(`fix:${fix}`), onClick: () => view.fix(fix) })),
      button({ label: 'Check Again', key: 'recheck', secondary: true, onClick: view.recheck }),
    ),
  );
}

export function networkStep(view: WizardView): HTMLElement[] {
  const { draft } = view;
  const profiles = [{ value: '', label: 'Default credentials (environment, default profile, SSO)' }, ...(view.init?.profiles ?? []).map((p) => ({ value: p, label: p }))];
  const account = section('AWS account',
    el('label', { text: 'Profile' }),
    select({ label: 'AWS profile', key: 'profile', value: draft.profile ?? '', options: profiles, onChange: (profile) => view.change((d) => { const { profile: _old, ...rest } = d; return profile ? { ...rest, profile } : rest; }, ['profile']) }),
    el('label', { text: 'Region' }),
    select({ label: 'Region', key: 'region', value: draft.region, options: (view.init?.regions ?? [draft.region]).map((r) => ({ value: r, label: r })), onChange: (region) => view.change((d) => ({ ...d, region, network: { mode: 'new' } }), ['region']) }),
    identityView(view),
    errorSlot('region'), errorSlot('profile'),
  );
  const mode = radioGroup({
    label: 'Network', key: 'network-mode', value: draft.network.mode,
    choices: [
      { value: 'new', label: 'Create a new VPC', description: 'Its own VPC, public subnets in two AZs and an internet gateway; destroyed with the stack.' },
      { value: 'existing', label: 'Use an existing VPC', description: 'Pick a VPC discovered in this region and the subnets to use.' },
    ],
    onChange: (value) => view.change((d) => ({ ...d, network: value === 'new' ? { mode: 'new' } : { mode: 'existing', vpcId: '', subnetIds: [] } }), ['network.mode']),
  });
  const network = section('Network', mode, errorSlot('network'));
  if (draft.network.mode === 'existing') {
    const existing = draft.network;
    const verified = Boolean(view.identity?.value?.account) && !view.identity?.loading;
    const status = verified ? loading(view.networks, 'Discovering VPCs', () => view.retry('networks')) : hint('VPCs are listed once the account above is verified.');
    const vpcs = view.networks?.value ?? [];
    if (status) network.append(status);
    else if (vpcs.length === 0) network.append(hint(`No VPCs in ${draft.region}: create a new one.`));
    else {
      network.append(
        el('h3', { text: 'VPC' }),
        radioGroup({
          label: 'VPC', key: 'vpc', value: existing.vpcId || undefined,
          choices: vpcs.map((v) => ({ value: v.id, label: vpcLabel(v), description: vpcDescription(v) })),
          onChange: (vpcId) => view.change((d) => ({ ...d, network: { mode: 'existing', vpcId, subnetIds: (vpcs.find((v) => v.id === vpcId)?.subnets ?? []).filter((s) => s.public).map((s) => s.id) } }), ['network.vpcId', 'network.subnetIds']),
        }),
        errorSlot('network.vpcId'),
      );
      const vpc = vpcs.find((v) => v.id === existing.vpcId);
      if (vpc) network.append(subnetPicker(view, vpc, existing.subnetIds));
    }
  }
  return [account, network];
}

/** The cost engine's advice for the chosen type, with its reason (e.g. spot saving under the threshold). */
function recommendation(choice: InstanceChoice | undefined): HTMLElement[] {
  if (!choice?.recommended) return [];
  const market = choice.recommended.market === 'spot' ? 'Spot' : 'On-demand';
  return [el('p', { className: 'recommendation', attrs: { 'data-market': choice.recommended.market }, text: `Recommended for ${choice.type}: ${market} — ${choice.recommended.why}.` })];
}

export function instanceStep(view: WizardView): HTMLElement[] {
  const { draft } = view;
  const status = loading(view.types, 'Finding instance types', () => view.retry('types'));
  const types = view.types?.value ?? [];
  const picker = section(`Instance type for the ${draft.tier} tier in ${draft.region}`);
  if (status) picker.append(status);
  else if (types.length === 0) picker.append(hint(`${draft.region} offers none of this tier's instance types.`));
  else {
    picker.append(radioGroup({
      label: 'Instance type', key: 'instanceType', value: draft.instanceType,
      choices: types.map((t) => ({ value: t.type, label: t.type, description: instanceFacts(t) })),
      onChange: (instanceType) => view.change((d) => ({ ...d, instanceType }), ['instanceType']),
    }), hint('Cheapest first, each at its recommended market. On-demand prices come from the AWS Price List, spot prices from the current spot price history of the AZs that offer the type.'));
    const reason = estimatedReason(types);
    if (reason) picker.append(hint(`Some prices are ${reason.replace(/^estimated: /, 'estimated from ')}.`));
  }
  picker.append(errorSlot('instanceType'));
  const market = section('Market',
    radioGroup({
      label: 'Market', key: 'market', value: draft.market,
      choices: [
        { value: 'spot', label: 'Spot', description: 'Usually 60–70% cheaper; AWS may reclaim it with two minutes\' notice (data stays on EFS).' },
        { value: 'on-demand', label: 'On-demand', description: 'Full price, never reclaimed.' },
      ],
      onChange: (value) => view.change((d) => ({ ...d, market: value }), ['market']),
    }),
    ...recommendation(types.find((t) => t.type === draft.instanceType)),
    checkbox({ label: 'Fall back to on-demand when spot has no capacity', key: 'fallback', checked: draft.onDemandFallback, disabled: draft.market !== 'spot', onChange: (onDemandFallback) => view.change((d) => ({ ...d, onDemandFallback }), ['onDemandFallback']) }),
    errorSlot('market'), errorSlot('onDemandFallback'),
  );
  return [picker, market];
}
