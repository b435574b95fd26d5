import '@vscode-elements/elements/dist/vscode-button/index.js';

/**
 * The panels' button, over @vscode-elements (themed like the editor's, Enter and Space activate it). Panels
 * use only this function, so replacing the component library changes this file alone.
 */
export interface ButtonOptions {
  label: string;
  onClick: () => void;
  secondary?: boolean;
  disabled?: boolean;
  /** Tooltip and accessible description. */
  title?: string;
  /** Stable key, so focus can be put back after a re-render. */
  key?: string;
}

export type Button = HTMLElement & { disabled: boolean };

export function button(options: ButtonOptions): Button {
  const element = document.createElement('vscode-button');
  element.textContent = options.label;
  element.secondary = options.secondary ?? false;
  element.disabled = options.disabled ?? false;
  if (options.title) element.title = options.title;
  if (options.key) element.dataset.key = options.key;
  element.addEventListener('click', () => {
    if (!element.disabled) options.onClick();
  });
  return element;
}
