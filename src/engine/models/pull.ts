import { randomBytes } from 'node:crypto';
import { GeuseError } from '../errors';
import type { CommandRunner } from '../ssm/run-command';
import { sleep } from '../wait';
import { headerNumber, ollamaUnreachable, readFrame, type Frame } from './frame';
import { PullTracker, type PullProgress } from './progress';
import { pullPollScript, pullStartScript, pullStopScript } from './scripts';

export interface PullOptions {
  /** Aborting stops the polling and the pull on the instance. */
  signal?: AbortSignal;
  onProgress?: (progress: PullProgress) => void;
  /** Pause between polls while the pull runs. */
  intervalMs?: number;
}

export interface PullResult {
  model: string;
  /** Bytes of the model's layers, when Ollama reported them (none when every layer was there already). */
  totalBytes?: number;
  elapsedMs: number;
}

/** Polls in a row that may fail (a throttled call, a cut output) before the pull is reported as failed. */
const TRANSIENT_TRIES = 3;

function pullFailed(model: string, instanceId: string, why: string, nextStep: string): GeuseError {
  return new GeuseError({ code: 'MODEL_PULL_FAILED', kind: 'unknown', operation: 'ollama:/api/pull', message: `Ollama on ${instanceId} could not pull ${model}: ${why}.`, nextStep });
}

/** Cancelled: said in the pull's words, not a deploy's. */
function pullCancelled(model: string, stopped: boolean): GeuseError {
  return new GeuseError({
    code: 'CANCELLED', kind: 'cancelled', operation: 'ollama:/api/pull',
    message: stopped ? `The pull of ${model} was cancelled and stopped on the instance.` : `The pull of ${model} was cancelled here, but stopping it on the instance failed: it may finish there.`,
    nextStep: 'Pulling it again continues where it stopped: Ollama keeps what it downloaded.',
  });
}

/** How the pull ended, from its last lines and curl's exit code. */
function outcome(tracker: PullTracker, frame: Frame, instanceId: string): void {
  const { model } = tracker;
  if (tracker.succeeded) return;
  if (tracker.error) {
    throw pullFailed(model, instanceId, tracker.error, /file does not exist|not found/i.test(tracker.error)
      ? 'Check the name and tag in the Ollama library (https://ollama.com/library).'
      : 'Try again; a pull continues where it stopped. If it keeps failing, check the instance\'s disk space and network (health panel).');
  }
  const exit = headerNumber(frame, 'exit');
  if (exit === 143) throw pullCancelled(model, true);
  if (!Number.isNaN(exit) && exit !== 0) throw ollamaUnreachable(exit, instanceId);
  throw pullFailed(model, instanceId, tracker.unexpected ? `Ollama answered something else than its progress: ${tracker.unexpected}` : 'the pull ended without "success"',
    'Try again; a pull continues where it stopped.');
}

/**
 * Pulls a model with Ollama on the instance, reporting progress as it goes. The pull runs detached there, writing
 * its NDJSON to a file under /var/log/geusemaker/models; each poll is one Run Command that returns what was
 * written since the last one (by byte offset, so no line is shown twice or lost). Aborting the signal stops
 * polling and stops the pull on the instance.
 */
export async function pullModel(runner: CommandRunner, instanceId: string, model: string, options: PullOptions = {}): Promise<PullResult> {
  const { signal } = options;
  const startedAt = Date.now();
  const id = randomBytes(8).toString('hex');
  const started = readFrame(await runner.run(instanceId, pullStartScript(model, id), { signal, timeoutSeconds: 60, comment: `GeuseMaker models pull ${model}` }), instanceId, 'model pull');
  if (Number.isNaN(headerNumber(started, 'pid'))) throw pullFailed(model, instanceId, 'the pull did not start on the instance', 'Try again.');
  const tracker = new PullTracker(model);
  let offset = 0;
  let failures = 0;
  try {
    for (;;) {
      let frame: Frame;
      try {
        frame = readFrame(await runner.run(instanceId, pullPollScript(id, offset), { signal, timeoutSeconds: 60, comment: `GeuseMaker models pull ${model}` }), instanceId, 'model pull progress');
        failures = 0;
      } catch (error) {
        if (signal?.aborted || !(error instanceof GeuseError) || error.kind !== 'transient' || ++failures >= TRANSIENT_TRIES) throw error;
        await sleep(options.intervalMs ?? 2_000, signal);
        continue;
      }
      const next = headerNumber(frame, 'next');
      const size = headerNumber(frame, 'size');
      for (const progress of tracker.fold(frame.content === '' ? [] : frame.content.split('\n'))) options.onProgress?.(progress);
      if (!Number.isNaN(next) && next > offset) offset = next;
      const more = !Number.isNaN(next) && next < size;
      if (more && next > headerNumber(frame, 'offset')) continue;
      if (frame.header.state === 'done') {
        outcome(tracker, frame, instanceId);
        const { total } = tracker.bytes;
        return { model, elapsedMs: Date.now() - startedAt, ...(total > 0 ? { totalBytes: total } : {}) };
      }
      if (frame.header.state === 'gone') {
        throw new GeuseError({
          code: 'MODEL_PULL_LOST', kind: 'transient', operation: 'ollama:/api/pull',
          message: `The pull of ${model} on ${instanceId} stopped without a result: the instance restarted, or its pull files were removed.`,
          nextStep: 'Pull it again; Ollama continues from what it downloaded.',
        });
      }
      await sleep(options.intervalMs ?? 2_000, signal);
    }
  } catch (error) {
    if (!signal?.aborted) throw error;
    // The signal is spent: the stop goes without it, bounded by its own timeout.
    const stopped = await runner.run(instanceId, pullStopScript(id), { timeoutSeconds: 30, comment: `GeuseMaker models pull ${model} (stop)` })
      .then(() => true, () => false);
    throw pullCancelled(model, stopped);
  }
}
