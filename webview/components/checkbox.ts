import '@vscode-elements/elements/dist/vscode-checkbox/index.js';

/** A themed checkbox with its label (Space toggles it). */
export interface CheckboxOptions {
  label: string;
  checked: boolean;
  onChange: (checked: boolean) => void;
  disabled?: boolean;
  key?: string;
}

export function checkbox(options: CheckboxOptions): HTMLElement {
  const element = document.createElement('vscode-checkbox');
  element.label = options.label;
  element.checked = options.checked;
  element.disabled = options.disabled ?? false;
  if (options.key) element.dataset.key = options.key;
  element.addEventListener('change', () => options.onChange(element.checked));
  return element;
}
