/**
 * Ollama models the wizard offers to pre-pull, with their download sizes (the default quantisation's size
 * in the Ollama library). Any other valid model name can still be typed into the config.
 */
export const OLLAMA_MODELS: readonly { name: string; sizeGB: number; what: string }[] = [
  { name: 'llama3.2:1b', sizeGB: 1.3, what: 'small, fast chat' },
  { name: 'llama3.2:3b', sizeGB: 2.0, what: 'general chat (default)' },
  { name: 'llama3.1:8b', sizeGB: 4.9, what: 'stronger chat, needs 8+ GiB free memory' },
  { name: 'qwen2.5:7b', sizeGB: 4.7, what: 'chat and tools, multilingual' },
  { name: 'mistral:7b', sizeGB: 4.1, what: 'general chat' },
  { name: 'gemma2:9b', sizeGB: 5.4, what: 'general chat' },
  { name: 'deepseek-r1:8b', sizeGB: 5.2, what: 'reasoning' },
  { name: 'nomic-embed-text', sizeGB: 0.27, what: 'embeddings for Qdrant' },
];
