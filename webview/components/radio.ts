import '@vscode-elements/elements/dist/vscode-radio-group/index.js';
import '@vscode-elements/elements/dist/vscode-radio/index.js';

/** One choice: its label and, under it, what it means (plain text, never markup). */
export interface RadioChoice<T extends string> {
  value: T;
  label: string;
  description?: string;
  disabled?: boolean;
}

export interface RadioGroupOptions<T extends string> {
  label: string;
  choices: readonly RadioChoice<T>[];
  value: T | undefined;
  onChange: (value: T) => void;
  key?: string;
}

/**
 * Themed radio buttons in a group (arrow keys move between them). The group checks a radio by keyboard
 * without a change event, so the choice is read on both change and key release.
 */
export function radioGroup<T extends string>(options: RadioGroupOptions<T>): HTMLElement {
  const group = document.createElement('vscode-radio-group');
  group.variant = 'vertical';
  group.setAttribute('aria-label', options.label);
  if (options.key) group.dataset.key = options.key;
  for (const choice of options.choices) {
    const radio = document.createElement('vscode-radio');
    radio.name = options.key ?? options.label;
    radio.value = choice.value;
    radio.checked = choice.value === options.value;
    radio.disabled = choice.disabled ?? false;
    radio.dataset.key = `${options.key ?? options.label}:${choice.value}`;
    const label = document.createElement('span');
    label.className = 'choice-label';
    label.textContent = choice.label;
    radio.append(label);
    if (choice.description) {
      const description = document.createElement('span');
      description.className = 'choice-description';
      description.textContent = choice.description;
      radio.append(description);
    }
    group.append(radio);
  }
  let current = options.value;
  const read = () => {
    const checked = [...group.querySelectorAll('vscode-radio')].find((radio) => radio.checked);
    const value = options.choices.find((choice) => choice.value === checked?.value)?.value;
    if (value !== undefined && value !== current) {
      current = value;
      options.onChange(value);
    }
  };
  group.addEventListener('change', read);
  group.addEventListener('keyup', read);
  return group;
}
