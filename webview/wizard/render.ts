import { wizardSteps, type WizardStepName } from '../../src/protocol/wizard';
import { button, spinner } from '../components';
import { el } from '../shared/dom';
import { fillErrorSlots, stepErrorSlot } from './fields';
import { stackEstimateText } from './estimate-text';
import { progressView } from './progress-view';
import { accessStep, reviewStep, servicesStep } from './steps-finish';
import { scaleStep } from './steps-scale';
import { basicsStep, instanceStep, networkStep } from './steps-setup';
import type { WizardView } from './view';

const TITLES: Record<WizardStepName, string> = {
  basics: 'Name and tier', network: 'Account and network', instance: 'Instance', services: 'Services', scale: 'Scale out', access: 'Access', review: 'Review',
};

const BODIES: Record<WizardStepName, (view: WizardView) => HTMLElement[]> = {
  basics: basicsStep, network: networkStep, instance: instanceStep, services: servicesStep, scale: scaleStep, access: accessStep, review: reviewStep,
};

/** The steps this draft has (Scale out only while it is on). */
function stepList(view: WizardView): HTMLElement {
  const steps = wizardSteps(view.draft);
  const index = steps.indexOf(view.step);
  return el('ol', { className: 'steps', attrs: { 'aria-label': 'Steps' } }, ...steps.map((step, i) => el('li', {
    className: i === index ? 'current' : i < index ? 'done' : 'todo', text: TITLES[step],
    attrs: i === index ? { 'aria-current': 'step' } : {},
  })));
}

function navigation(view: WizardView): HTMLElement {
  const index = wizardSteps(view.draft).indexOf(view.step);
  const bar = el('div', { className: 'actions' });
  if (index > 0) bar.append(button({ label: 'Back', key: 'back', secondary: true, onClick: view.back }));
  if (view.step === 'review') {
    const ready = Boolean(view.review?.value) && !view.review?.loading;
    if (view.init?.canSave) bar.append(button({ label: 'Save as geusemaker.yaml', key: 'save', secondary: true, disabled: !ready || view.busy.has('save'), onClick: view.save }));
    bar.append(button({ label: 'Deploy', key: 'deploy', disabled: !ready || view.busy.has('deploy'), onClick: view.deploy }));
  } else {
    // The account step waits for AWS to say who the credentials are.
    const unverified = view.step === 'network' && (view.identity?.loading !== false || !view.identity.value?.account);
    bar.append(button({ label: 'Next', key: 'next', disabled: view.errors.length > 0 || view.busy.has('next') || unverified, title: 'Checks this step, then goes on', onClick: view.next }));
  }
  return bar;
}

function stackEstimate(view: WizardView): HTMLElement {
  return el('p', { className: 'stack-estimate', text: stackEstimateText(view), attrs: { 'aria-live': 'polite' } });
}

/** The whole panel; the caller swaps it in and restores focus. */
export function renderWizard(view: WizardView): HTMLElement {
  const main = el('main');
  if (view.progress) {
    main.append(...progressView(view.progress, view));
    return main;
  }
  if (!view.init) {
    main.append(el('p', { className: 'loading' }, spinner('Loading'), el('span', { text: ' Loading the wizard…' })));
    return main;
  }
  const steps = wizardSteps(view.draft);
  main.append(
    el('header', { className: 'top' }, el('h1', { text: 'Deploy a stack' }), stepList(view)),
    el('h2', { className: 'step-title', text: `Step ${steps.indexOf(view.step) + 1} of ${steps.length}: ${TITLES[view.step]}`, attrs: { id: 'step-title' } }),
    el('div', { className: 'step', attrs: { role: 'group', 'aria-labelledby': 'step-title' } }, ...BODIES[view.step](view)),
    stepErrorSlot(),
    el('p', { className: `notice${view.notice?.error ? ' error' : ''}`, text: view.notice?.text ?? '', attrs: { 'aria-live': 'polite' } }),
    ...(view.step === 'review' ? [] : [stackEstimate(view)]),
    navigation(view),
  );
  fillErrorSlots(main, view.errors);
  return main;
}
