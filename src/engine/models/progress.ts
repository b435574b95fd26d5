import { z } from 'zod';

/**
 * A line of POST /api/pull's NDJSON (docs/api.md, "Pull a Model"): a status ("pulling manifest", "pulling
 * 6a0746a1ec1a" with the layer's digest, total and completed bytes, "verifying sha256 digest", "writing
 * manifest", "success"), or an error. `completed` is left out while it is 0.
 */
const pullLineSchema = z.union([
  z.object({ error: z.string() }),
  z.object({ status: z.string(), digest: z.string().optional(), total: z.number().nonnegative().optional(), completed: z.number().nonnegative().optional() }),
]);
export type PullLine = z.infer<typeof pullLineSchema>;

/** One line parsed, or what it said when it is not a line of Ollama's (pure). */
export function parsePullLine(text: string): PullLine | { unexpected: string } {
  try {
    const parsed = pullLineSchema.safeParse(JSON.parse(text));
    if (parsed.success) return parsed.data;
  } catch {
    // not JSON: reported below
  }
  return { unexpected: text.length > 300 ? `${text.slice(0, 300)}…` : text };
}

/** How far a pull is, as the CLI prints it and the editor's notification shows it. */
export interface PullProgress {
  model: string;
  /** Ollama's last status: "pulling manifest", "pulling 6a0746a1ec1a", "verifying sha256 digest", "success". */
  status: string;
  /** Whole percent of the bytes of the layers announced so far; it never goes back. */
  percent?: number;
  completedBytes?: number;
  totalBytes?: number;
  /** For people: "downloading 45% (590 MB of 1300 MB)", "verifying sha256 digest". */
  text: string;
}

const MB = 1_000_000;

/** Folds a pull's NDJSON into progress worth showing: each status once, the download at most once per poll. */
export class PullTracker {
  private readonly layers = new Map<string, { total: number; completed: number }>();
  private percent = 0;
  private status = '';
  private lastText = '';
  /** Ollama's error, when it reported one. */
  error?: string;
  /** A line that was not Ollama's (a proxy's page, a cut line). */
  unexpected?: string;
  succeeded = false;

  constructor(readonly model: string) {}

  get bytes(): { completed: number; total: number } {
    let completed = 0;
    let total = 0;
    for (const layer of this.layers.values()) {
      total += layer.total;
      completed += Math.min(layer.completed, layer.total);
    }
    return { completed, total };
  }

  /** Takes one poll's lines in order; returns the progress to show, never the same words twice in a row. */
  fold(lines: readonly string[]): PullProgress[] {
    const out: PullProgress[] = [];
    let downloaded = false;
    const flushDownload = () => {
      if (downloaded) this.emit(out, this.downloadProgress());
      downloaded = false;
    };
    for (const text of lines) {
      if (text.trim() === '') continue;
      const line = parsePullLine(text);
      if ('unexpected' in line) {
        this.unexpected ??= line.unexpected;
        continue;
      }
      if ('error' in line) {
        this.error = line.error;
        continue;
      }
      this.status = line.status;
      if (line.digest !== undefined && line.total !== undefined) {
        const before = this.layers.get(line.digest);
        this.layers.set(line.digest, { total: line.total, completed: Math.max(before?.completed ?? 0, line.completed ?? 0) });
        downloaded = true;
        continue;
      }
      flushDownload();
      if (line.status === 'success') this.succeeded = true;
      this.emit(out, { model: this.model, status: line.status, ...this.figures(), text: line.status });
    }
    flushDownload();
    return out;
  }

  private figures(): Pick<PullProgress, 'percent' | 'completedBytes' | 'totalBytes'> {
    const { completed, total } = this.bytes;
    return total > 0 ? { percent: this.percent, completedBytes: completed, totalBytes: total } : {};
  }

  private downloadProgress(): PullProgress {
    const { completed, total } = this.bytes;
    // A layer announced later adds to the total; the share shown never drops because of it.
    if (total > 0) this.percent = Math.max(this.percent, Math.min(100, Math.floor((completed / total) * 100)));
    const text = `downloading ${this.percent}% (${Math.round(completed / MB)} MB of ${Math.round(total / MB)} MB)`;
    return { model: this.model, status: this.status, ...this.figures(), text };
  }

  private emit(out: PullProgress[], progress: PullProgress): void {
    if (progress.text === this.lastText) return;
    this.lastText = progress.text;
    out.push(progress);
  }
}
