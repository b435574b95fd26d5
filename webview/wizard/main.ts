import '../shared/zod-jitless';
import './wizard.css';
import {
  hostToWizardSchema, visibleStep, wizardPanelStateSchema, wizardSteps, type Draft, type HostToWizard, type InstanceChoice, type WizardFieldError, type WizardInit,
  type WizardPanelState, type WizardProgress, type WizardStepName, type WizardReview, type WizardToHost, type WizardVpc,
} from '../../src/protocol/wizard';
import { DEFAULT_INSTANCE_TYPE, DEFAULT_TIER } from '../../src/engine/tiers';
import { WebviewChannel } from '../shared/channel';
import { focusKeepingRoot } from '../shared/redraw';
import { vscodeApi } from '../shared/vscode-api';
import { fillEstimates } from './estimate-text';
import { fillErrorSlots } from './fields';
import { changedKeys, estimateKey, identityKey, Touched } from './touched';
import { elapsedOf } from './progress-view';
import { renderWizard } from './render';
import type { Loadable, WizardView } from './view';

const api = vscodeApi();
// State saved by an earlier load is checked like any message: it survives reloads and could be stale.
const saved = wizardPanelStateSchema.safeParse(api.getState());
let step = saved.success ? visibleStep(saved.data.step, saved.data.draft) : 'basics';
let draft: Draft | undefined = saved.success ? saved.data.draft : undefined;
let progress: WizardProgress | undefined = saved.success ? saved.data.progress : undefined;
let fromFile: WizardView['fromFile'] = saved.success && saved.data.fromFile ? { source: saved.data.fromFile, notes: [] } : undefined;
let init: WizardInit | undefined;
/** The host's verdict on the current step; only the touched fields' part is shown (see `shown`). */
let errors: WizardFieldError[] = [];
const touched = new Touched();
let identity: WizardView['identity'];
let estimates: WizardView['estimates'];
let latestEstimate = 0;
let estimateTimer: ReturnType<typeof setTimeout> | undefined;
let networks: WizardView['networks'];
let types: WizardView['types'];
let review: WizardView['review'];
let notice: WizardView['notice'];
const busy = new Set<string>();
/** Only the newest check's answer counts: older ones judged a draft that has since changed. */
let latestCheck = 0;
/** The draft was typed into since the last verdict: that verdict judged an older draft. */
let stale = false;
let checkTimer: ReturnType<typeof setTimeout> | undefined;

const channel = new WebviewChannel<HostToWizard, WizardToHost>(api, hostToWizardSchema, (message) => {
  switch (message.type) {
    case 'init':
      init = message;
      draft ??= message.draft;
      break;
    case 'checked':
      if (message.id !== latestCheck) return;
      errors = message.errors;
      stale = false;
      // Typing goes on in a field: patch the errors in place instead of re-rendering under the caret.
      patchErrors();
      return;
    case 'identity':
      if (!draft || identityKey(message.region, message.profile) !== identityKey(draft.region, draft.profile)) return;
      identity = { key: identityKey(message.region, message.profile), loading: false, value: message };
      break;
    case 'account':
      // The settings changed (a profile chosen, the endpoint fixed): the account is checked again.
      if (init) init = { ...init, profiles: message.profiles };
      if (draft && message.chosen) {
        const { profile: _old, ...rest } = draft;
        draft = message.profile ? { ...rest, profile: message.profile } : rest;
      }
      identity = undefined;
      if (networks?.error) networks = undefined;
      if (types?.error) types = undefined;
      break;
    case 'estimates':
      if (message.id !== latestEstimate) return;
      estimates = { key: estimates?.key ?? '', loading: false, value: message };
      if (draft && !progress) fillEstimates(root, { estimates, draft });
      return;
    case 'networks':
      if (networks?.key === message.region) networks = { ...networks, loading: false, value: message.vpcs };
      break;
    case 'instanceTypes':
      if (types?.key === typesKey()) types = { ...types, loading: false, value: message.types };
      break;
    case 'plan':
      if (review) review = { ...review, loading: false, value: message.review };
      break;
    case 'progress':
      progress = message.progress;
      break;
    case 'draft':
      // A new starting point: what was loaded for the old draft no longer applies.
      draft = message.draft;
      fromFile = { source: message.source, notes: message.extras };
      step = 'basics';
      errors = [];
      // Settings the file gave are the user's input: their problems show on their step right away; the rest wait.
      touched.reset();
      if (init) touched.add(...changedKeys(init.draft, message.draft));
      networks = undefined;
      types = undefined;
      review = undefined;
      estimates = undefined;
      break;
  }
  save();
  draw();
  if (message.type === 'init' || message.type === 'draft' || message.type === 'account' || message.type === 'identity') enterStep();
});

function save(): void {
  if (!draft) return;
  const state: WizardPanelState = { version: 1, step, draft, ...(progress ? { progress } : {}), ...(fromFile ? { fromFile: fromFile.source } : {}) };
  api.setState(state);
}

const typesKey = () => (draft ? `${draft.region}|${draft.tier}|${draft.profile ?? ''}` : '');

/** Asks the host to check the current step; resolves once its verdict is in. */
async function check(): Promise<void> {
  if (!draft) return;
  const current = draft;
  const checking = step;
  await channel.request((id) => {
    latestCheck = id;
    return { type: 'check', id, step: checking, draft: current };
  });
}

/** Errors the user should see now: on fields they have left or set, or all of them once Next was pressed. */
const shown = () => errors.filter((e) => touched.covers(e.field));

function patchErrors(): void {
  fillErrorSlots(root, shown());
  setNextEnabled();
}

/** The cost engine's figures follow every choice that changes the price; other edits do not ask again. */
function scheduleEstimate(): void {
  if (!draft) return;
  const key = estimateKey(draft);
  if (estimates?.key === key) return;
  estimates = { key, loading: true, ...(estimates?.value ? { value: estimates.value } : {}) };
  clearTimeout(estimateTimer);
  const current = draft;
  estimateTimer = setTimeout(() => void channel.request((id) => {
    latestEstimate = id;
    return { type: 'estimates', id, draft: current };
  }), 300);
}

function scheduleCheck(): void {
  clearTimeout(checkTimer);
  checkTimer = setTimeout(() => void check(), 200);
}

/** Loads what a step shows from the host: discovered VPCs, instance types, the plan. */
async function load<T>(key: string, set: (value: Loadable<T>) => void, send: (id: number) => Extract<WizardToHost, { id: number }>): Promise<void> {
  set({ key, loading: true });
  draw();
  const response = await channel.request(send);
  if (response.error) set({ key, loading: false, error: response.error });
  draw();
}

function enterStep(): void {
  // The live view replaces the steps: nothing to load for them.
  if (!draft || progress) return;
  const d = draft;
  scheduleEstimate();
  const key = identityKey(d.region, d.profile);
  if (step === 'network' && identity?.key !== key) {
    identity = { key, loading: true };
    draw();
    void channel.request((id) => ({ type: 'identity', id, region: d.region, ...(d.profile ? { profile: d.profile } : {}) }));
  }
  const verified = identity?.key === key && Boolean(identity.value?.account);
  // VPCs are listed once the credentials are known to work: a missing credential is said once, on the account.
  if (step === 'network' && verified && d.network.mode === 'existing' && (networks?.key !== d.region || networks.error)) {
    void load<WizardVpc[]>(d.region, (v) => (networks = v), (id) => ({ type: 'discover', id, region: d.region, ...(d.profile ? { profile: d.profile } : {}) }));
  }
  if (step === 'instance' && (types?.key !== typesKey() || types.error)) {
    void load<InstanceChoice[]>(typesKey(), (v) => (types = v), (id) => ({ type: 'instanceTypes', id, region: d.region, tier: d.tier, ...(d.profile ? { profile: d.profile } : {}) }));
  }
  if (step === 'review') void load<WizardReview>('plan', (v) => (review = v), (id) => ({ type: 'plan', id, draft: d }));
  if (step !== 'review') scheduleCheck();
}

async function request(key: string, send: (id: number) => Extract<WizardToHost, { id: number }>, done?: string): Promise<boolean> {
  busy.add(key);
  draw();
  const response = await channel.request(send);
  busy.delete(key);
  notice = response.error ? { text: response.error, error: true } : response.cancelled || !done ? undefined : { text: done, error: false };
  draw();
  return !response.error && !response.cancelled;
}

/** The account step goes on only with credentials AWS has answered for. */
function accountBlocks(): boolean {
  if (step !== 'network' || !draft) return false;
  return identity?.key !== identityKey(draft.region, draft.profile) || !identity.value?.account;
}

function setNextEnabled(): void {
  const next = root.querySelector<HTMLElement & { disabled: boolean }>('[data-key="next"]');
  if (next) next.disabled = shown().length > 0 || busy.has('next') || accountBlocks();
}

/** The step `by` steps away among those the draft has now (the scale step only while scale-out is on). */
function stepAfter(by: number): WizardStepName | undefined {
  const steps = wizardSteps(current());
  return steps[steps.indexOf(visibleStep(step, current())) + by];
}

function go(target: WizardStepName | undefined): void {
  if (!target) return;
  step = target;
  errors = [];
  touched.newStep();
  notice = undefined;
  save();
  draw();
  enterStep();
}

// Only until the host's init arrives; never sent anywhere.
const placeholderDraft: Draft = {
  name: '', tier: DEFAULT_TIER, region: 'us-east-1', network: { mode: 'new' }, instanceType: DEFAULT_INSTANCE_TYPE, market: 'spot', onDemandFallback: true,
  services: { n8n: true, ollama: true, qdrant: true, crawl4ai: true, postgres: true }, ollamaModels: [], access: { mode: 'ssm' },
};

/** Typing changes the draft without a re-render: callbacks read the current draft, never the one drawn. */
const current = (): Draft => draft ?? placeholderDraft;

/** Back to an empty wizard: the deploy shown is over, and its stack lives on in the Stacks view. */
function startAfresh(): void {
  progress = undefined;
  draft = undefined;
  fromFile = undefined;
  step = 'basics';
  errors = [];
  touched.reset();
  identity = undefined;
  estimates = undefined;
  networks = undefined;
  types = undefined;
  review = undefined;
  notice = undefined;
  draw();
}

const view = (d: Draft): WizardView => ({
  init, step, draft: d, errors: shown(), identity, estimates, networks, types, review, progress, busy, notice, fromFile,
  change: (update, touches = []) => {
    draft = update(current());
    touched.add(...touches);
    save();
    draw();
    enterStep();
  },
  type: (update) => {
    draft = update(current());
    stale = true;
    // An answer to a check sent before this edit no longer counts.
    latestCheck = -1;
    save();
    scheduleCheck();
    scheduleEstimate();
  },
  blur: (field) => {
    touched.add(field);
    // A verdict on an older draft must not flash up (nor disable Next under a click): ask now and show its answer.
    if (stale) {
      clearTimeout(checkTimer);
      void check();
    } else patchErrors();
  },
  fix: (fix) => void request(`fix:${fix}`, (id) => ({ type: 'fix', id, fix })),
  recheck: () => {
    identity = undefined;
    enterStep();
  },
  next: () => void (async () => {
    clearTimeout(checkTimer);
    busy.add('next');
    setNextEnabled();
    await check();
    busy.delete('next');
    // Next asks for everything: the step's remaining problems show now.
    touched.revealStep();
    if (errors.length === 0 && !accountBlocks()) go(stepAfter(1));
    else draw();
  })(),
  back: () => go(stepAfter(-1)),
  retry: (what) => {
    if (what === 'networks') networks = undefined;
    if (what === 'types') types = undefined;
    enterStep();
  },
  save: () => void request('save', (id) => ({ type: 'save', id, draft: current() }), 'Saved geusemaker.yaml in the workspace folder.'),
  deploy: () => void request('deploy', (id) => ({ type: 'deploy', id, draft: current() })),
  cancel: () => void request('cancel', (id) => ({ type: 'cancel', id })),
  deleteCreated: () => void request('deleteCreated', (id) => ({ type: 'deleteCreated', id })),
  restart: () => {
    progress = undefined;
    go('basics');
  },
  another: () => {
    startAfresh();
    // The host forgets the finished run and sends a fresh start (init).
    void request('another', (id) => ({ type: 'another', id }));
  },
  showInStacks: () => void request('showInStacks', (id) => ({ type: 'showInStacks', id })),
  close: () => void request('close', (id) => ({ type: 'close', id })),
  loadFile: () => void request('loadFile', (id) => ({ type: 'loadFile', id })),
  open: (service) => void request(`open:${service}`, (id) => ({ type: 'open', id, service: service as Extract<WizardToHost, { type: 'open' }>['service'] })),
});

const screen = focusKeepingRoot();
const root = screen.root;

/** Re-renders everything, keeping keyboard focus on the same control. */
function draw(): void {
  screen.replace(renderWizard(draft ? view(draft) : { ...view(placeholderDraft), init: undefined }));
}

// The elapsed time ticks without a re-render (which would disturb focus and screen readers).
setInterval(() => {
  const elapsed = root.querySelector('.elapsed');
  if (elapsed && progress) elapsed.textContent = elapsedOf(progress);
}, 1000);

draw();
channel.post({ type: 'ready' });
