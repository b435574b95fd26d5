import type { Draft, WizardFieldError, WizardInit, WizardProgress, WizardReview, WizardStepName, WizardVpc, InstanceChoice } from '../../src/protocol/wizard';

/** What the wizard shows, and what the controls call back (main.ts owns the state). */
export interface Loadable<T> {
  key: string;
  value?: T;
  error?: string;
  loading: boolean;
}

export interface WizardView {
  init?: WizardInit;
  step: WizardStepName;
  draft: Draft;
  /** The host's verdict on the current step. */
  errors: WizardFieldError[];
  networks?: Loadable<WizardVpc[]>;
  types?: Loadable<InstanceChoice[]>;
  review?: Loadable<WizardReview>;
  progress?: WizardProgress;
  busy: ReadonlySet<string>;
  notice?: { text: string; error: boolean };
  /** The config file this draft started from, and what the wizard kept from it without a step. */
  fromFile?: { source: string; notes: string[] };
  /** A structural change: re-render. */
  change(update: (draft: Draft) => Draft): void;
  /** A typed change: no re-render (it would move the caret), only a check. */
  type(update: (draft: Draft) => Draft): void;
  next(): void;
  back(): void;
  retry(what: 'networks' | 'types' | 'review'): void;
  save(): void;
  deploy(): void;
  cancel(): void;
  rollback(): void;
  restart(): void;
  open(service: string): void;
  /** Fill the draft from the workspace's geusemaker.yaml. */
  loadFile(): void;
}
