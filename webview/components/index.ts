export { button, type Button, type ButtonOptions } from './button';
export { checkbox, type CheckboxOptions } from './checkbox';
export { radioGroup, type RadioChoice, type RadioGroupOptions } from './radio';
export { select, type SelectOptions } from './select';
export { spinner } from './spinner';
export { textfield, type Textfield, type TextfieldOptions } from './textfield';
