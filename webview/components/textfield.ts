import '@vscode-elements/elements/dist/vscode-textfield/index.js';

/** A themed text input (see button.ts for why panels use only these wrappers). */
export interface TextfieldOptions {
  value: string;
  /** Accessible name; the visible label is the caller's `<label>` or heading. */
  label: string;
  onInput: (value: string) => void;
  placeholder?: string;
  invalid?: boolean;
  key?: string;
  /** The id of the element describing it (its inline error). */
  describedBy?: string;
  /** Focus left the field (validation waits for it). */
  onBlur?: () => void;
}

export type Textfield = HTMLElement & { value: string; invalid: boolean };

export function textfield(options: TextfieldOptions): Textfield {
  const element = document.createElement('vscode-textfield');
  element.value = options.value;
  element.label = options.label;
  element.setAttribute('aria-label', options.label);
  if (options.placeholder) element.placeholder = options.placeholder;
  element.invalid = options.invalid ?? false;
  if (options.key) element.dataset.key = options.key;
  if (options.describedBy) element.setAttribute('aria-describedby', options.describedBy);
  element.addEventListener('input', () => options.onInput(element.value));
  // focusout is composed and bubbles, so the inner input's blur reaches the host element.
  const onBlur = options.onBlur;
  if (onBlur) element.addEventListener('focusout', () => onBlur());
  return element;
}
