/** A model's size as Ollama's own list writes it (decimal units): "274 MB", "2.0 GB". */
export function modelSize(bytes: number): string {
  if (bytes < 1e9) return `${Math.max(0, Math.round(bytes / 1e6))} MB`;
  return `${(bytes / 1e9).toFixed(1)} GB`;
}
