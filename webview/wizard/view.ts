import type { AccountFix, Draft, WizardEstimates, WizardFieldError, WizardIdentity, WizardInit, WizardProgress, WizardReview, WizardStepName, WizardVpc, InstanceChoice } from '../../src/protocol/wizard';

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
  /** The host's verdict on the current step, only on fields the user has left or after Next (never before input). */
  errors: WizardFieldError[];
  /** Who the chosen credentials are, for the account step; Next waits for it. */
  identity?: Loadable<WizardIdentity>;
  /** The cost engine's month of this draft under each tier (the chosen one is the stack's). */
  estimates?: Loadable<WizardEstimates>;
  networks?: Loadable<WizardVpc[]>;
  types?: Loadable<InstanceChoice[]>;
  review?: Loadable<WizardReview>;
  progress?: WizardProgress;
  busy: ReadonlySet<string>;
  notice?: { text: string; error: boolean };
  /** The config file this draft started from, and what the wizard kept from it without a step. */
  fromFile?: { source: string; notes: string[] };
  /** A structural change: re-render; `touches` are the fields the user just set, whose errors may now show. */
  change(update: (draft: Draft) => Draft, touches?: readonly string[]): void;
  /** A typed change: no re-render (it would move the caret), only a check. */
  type(update: (draft: Draft) => Draft): void;
  /** Focus left a field: its errors show from now on. */
  blur(field: string): void;
  /** Runs a fix the account problem offered (Choose AWS Profile, Open Endpoint Setting…). */
  fix(fix: AccountFix): void;
  /** Checks the credentials again. */
  recheck(): void;
  next(): void;
  back(): void;
  retry(what: 'networks' | 'types' | 'review'): void;
  save(): void;
  deploy(): void;
  cancel(): void;
  /** After a failed or cancelled first deploy: destroy what it created (the host asks first). */
  deleteCreated(): void;
  restart(): void;
  /** After a deploy: a fresh wizard in this panel. */
  another(): void;
  showInStacks(): void;
  close(): void;
  open(service: string): void;
  /** Fill the draft from the workspace's geusemaker.yaml. */
  loadFile(): void;
}
