export { button, type Button, type ButtonOptions } from './button';
export { spinner } from './spinner';
