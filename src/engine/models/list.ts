import { z } from 'zod';
import { GeuseError } from '../errors';
import type { CommandRunner } from '../ssm/run-command';
import { unexpectedAnswer } from '../ssm/run-command';
import { headerNumber, ollamaUnreachable, readFrame } from './frame';
import { listScript, removeScript } from './scripts';

/** One model in Ollama's store on the instance (its files live on EFS). */
export interface OllamaModel {
  /** As Ollama names it, with its tag: "llama3.2:3b", "nomic-embed-text:latest". */
  name: string;
  sizeBytes: number;
  /** When it was pulled or last changed, ISO 8601 (UTC). */
  modifiedAt: string;
  digest?: string;
  /** "3.2B", from Ollama's details when it printed them. */
  parameterSize?: string;
  quantization?: string;
}

/** GET /api/tags as Ollama answers it (docs/api.md, "List Local Models"); details may be left out (scripts.ts). */
const tagsSchema = z.object({
  models: z.array(z.object({
    name: z.string().min(1),
    modified_at: z.string(),
    size: z.number().nonnegative(),
    digest: z.string().optional(),
    details: z.object({ parameter_size: z.string().optional(), quantization_level: z.string().optional() }).nullish(),
  })).nullable(),
});

/** Ollama's times carry nanoseconds and a zone ("2024-12-02T10:15:31.412345678-08:00"); Date takes milliseconds. */
function isoTime(time: string): string {
  const date = new Date(time.replace(/(\.\d{3})\d+/, '$1'));
  return Number.isNaN(date.getTime()) ? time : date.toISOString();
}

/** The models in /api/tags's JSON, by name (pure; throws SSM_UNEXPECTED_ANSWER on another shape). */
export function parseTags(json: string): OllamaModel[] {
  let parsed;
  try {
    parsed = tagsSchema.parse(JSON.parse(json));
  } catch (error) {
    if (error instanceof z.ZodError) throw unexpectedAnswer('GetCommandInvocation (Ollama /api/tags)', error);
    throw new GeuseError({
      code: 'SSM_UNEXPECTED_ANSWER', kind: 'unknown', operation: 'ollama:/api/tags',
      message: `Ollama's list of models is not valid JSON: ${json.slice(0, 200)}`,
      nextStep: 'Try again; if it keeps happening, check Ollama\'s log (geusemaker logs <name> ollama).',
    });
  }
  return (parsed.models ?? []).map((model): OllamaModel => ({
    name: model.name, sizeBytes: model.size, modifiedAt: isoTime(model.modified_at),
    ...(model.digest ? { digest: model.digest } : {}),
    ...(model.details?.parameter_size ? { parameterSize: model.details.parameter_size } : {}),
    ...(model.details?.quantization_level ? { quantization: model.details.quantization_level } : {}),
  })).sort((a, b) => a.name.localeCompare(b.name));
}

/** Ollama's `{"error": "…"}`, or the start of whatever else it answered. */
export function ollamaErrorWords(body: string): string {
  try {
    const parsed = z.object({ error: z.string() }).safeParse(JSON.parse(body));
    if (parsed.success) return parsed.data.error;
  } catch {
    // not JSON: quoted below
  }
  const text = body.trim().replace(/\s+/g, ' ');
  return text.length > 300 ? `${text.slice(0, 300)}…` : text || 'no details';
}

export async function listModels(runner: CommandRunner, instanceId: string, options: { signal?: AbortSignal } = {}): Promise<OllamaModel[]> {
  const result = await runner.run(instanceId, listScript(), { signal: options.signal, timeoutSeconds: 60, comment: 'GeuseMaker models list' });
  const frame = readFrame(result, instanceId, 'model list');
  const exit = headerNumber(frame, 'exit');
  if (exit !== 0) throw ollamaUnreachable(exit, instanceId);
  const code = headerNumber(frame, 'code');
  if (code !== 200) {
    throw new GeuseError({
      code: 'OLLAMA_ERROR', kind: 'unknown', operation: 'ollama:/api/tags',
      message: `Ollama on ${instanceId} answered the list of models with HTTP ${code}: ${ollamaErrorWords(frame.content)}.`,
      nextStep: 'Try again; if it keeps happening, check Ollama\'s log (geusemaker logs <name> ollama).',
    });
  }
  return parseTags(frame.content);
}

/** DELETE /api/delete; a model Ollama does not have is MODEL_NOT_FOUND. */
export async function removeModel(runner: CommandRunner, instanceId: string, model: string, options: { signal?: AbortSignal } = {}): Promise<void> {
  const result = await runner.run(instanceId, removeScript(model), { signal: options.signal, timeoutSeconds: 180, comment: `GeuseMaker models rm ${model}` });
  const frame = readFrame(result, instanceId, 'model removal');
  const exit = headerNumber(frame, 'exit');
  if (exit !== 0) throw ollamaUnreachable(exit, instanceId);
  const code = headerNumber(frame, 'code');
  if (code === 200) return;
  const words = ollamaErrorWords(frame.content);
  if (code === 404) {
    throw new GeuseError({
      code: 'MODEL_NOT_FOUND', kind: 'not-found', operation: 'ollama:/api/delete',
      message: `Ollama on ${instanceId} has no model ${model} (${words}), so nothing was removed.`,
      nextStep: 'List the models with `geusemaker models <name> list`; names carry their tag (llama3.2:3b, or :latest when none was given).',
    });
  }
  throw new GeuseError({
    code: 'OLLAMA_ERROR', kind: 'unknown', operation: 'ollama:/api/delete',
    message: `Ollama on ${instanceId} could not remove ${model}: HTTP ${code}, ${words}.`,
    nextStep: 'Try again; if it keeps happening, check Ollama\'s log (geusemaker logs <name> ollama).',
  });
}
