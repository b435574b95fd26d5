import { invalidInput, refused } from '../errors';
import { OLLAMA_MODEL_NAME } from '../stack/config';
import type { StackState } from '../state/schema';
import type { OllamaModel } from './list';

/** The name, when Ollama would take it (the config's own rule); refused before any call otherwise. */
export function checkModelName(model: string): string {
  if (!OLLAMA_MODEL_NAME.test(model)) {
    throw invalidInput('MODEL_NAME_INVALID', `"${model}" is not a model name Ollama accepts: lowercase letters, digits, ".", "_", "-" and "/", then an optional ":tag".`,
      'Use a name from the Ollama library, e.g. llama3.2:3b or nomic-embed-text (https://ollama.com/library).');
  }
  return model;
}

/** Models live in Ollama: a stack with it turned off has none to list, pull or remove. */
export function refuseWithoutOllama(state: Pick<StackState, 'name' | 'config'>): void {
  if (!state.config.services.ollama) {
    throw refused('OLLAMA_NOT_IN_STACK', `Stack ${state.name} does not run Ollama, so it has no models.`,
      'Turn Ollama on (services: ollama: true in geusemaker.yaml) and deploy the stack, then try again.');
  }
}

/** Ollama's name for a model: one given without a tag is `:latest`. */
export function withTag(model: string): string {
  return model.includes(':') ? model : `${model}:latest`;
}

/** A model on the instance, and whether the stack's config declares it (its ollamaModels, pulled at every boot). */
export interface StackModel extends OllamaModel {
  declared: boolean;
}

export function declaredIn(models: readonly OllamaModel[], ollamaModels: readonly string[]): StackModel[] {
  const declared = new Set(ollamaModels.map(withTag));
  return models.map((model) => ({ ...model, declared: declared.has(withTag(model.name)) }));
}
