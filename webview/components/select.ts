import '@vscode-elements/elements/dist/vscode-single-select/index.js';
import '@vscode-elements/elements/dist/vscode-option/index.js';

/** A themed drop-down; options are text only. */
export interface SelectOptions {
  label: string;
  options: readonly { value: string; label: string }[];
  value: string;
  onChange: (value: string) => void;
  key?: string;
}

export function select(options: SelectOptions): HTMLElement {
  const element = document.createElement('vscode-single-select');
  element.setAttribute('aria-label', options.label);
  if (options.key) element.dataset.key = options.key;
  for (const option of options.options) {
    const item = document.createElement('vscode-option');
    item.value = option.value;
    item.textContent = option.label;
    item.selected = option.value === options.value;
    element.append(item);
  }
  element.addEventListener('change', () => options.onChange(element.value));
  return element;
}
