import '@vscode-elements/elements/dist/vscode-progress-ring/index.js';

/** An indeterminate progress ring with an accessible label (see button.ts for why this layer exists). */
export function spinner(label: string): HTMLElement {
  const element = document.createElement('vscode-progress-ring');
  element.setAttribute('aria-label', label);
  element.className = 'spinner';
  return element;
}
