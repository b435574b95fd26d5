import { checkModelName, modelSize, refused, table, withTag, type PullProgress, type StackModel } from '../../engine';
import type { Command } from '../command';
import { interruptible, progressPrinter } from '../interaction';
import { askYesNo } from '../prompt';
import type { Session } from '../session';

/** `models [name] list | pull <model> | rm <model>`: Ollama's models on the stack's instance, over SSM Run Command. */

function modelRows(models: readonly StackModel[]): string[] {
  return table([
    ['NAME', 'SIZE', 'MODIFIED', 'IN CONFIG'],
    ...models.map((model) => [model.name, modelSize(model.sizeBytes), model.modifiedAt.slice(0, 16).replace('T', ' '), model.declared ? 'yes' : 'no (not in ollamaModels)']),
  ]);
}

export const modelsList: Command = {
  name: 'models list',
  usage: 'models [name] list',
  summary: 'List Ollama\'s models on the stack\'s instance (size, modified, whether ollamaModels declares it)',
  flags: ['config'],
  takesName: true,
  state: 'reads',
  async run(s) {
    const name = await s.stackName();
    const models = await interruptible(s, progressPrinter(s), (signal) => s.engine.listModels(name, { signal }), false);
    if (s.args.json) {
      s.json({ name, models });
      return;
    }
    if (models.length === 0) {
      s.out([`Stack ${name} has no models yet. To pull one: ${s.command(['models', name, 'pull', 'llama3.2:3b'])}`]);
      return;
    }
    s.out(modelRows(models));
  },
};

/** The model named after the subcommand (refused before any call if Ollama would reject it), and the stack. */
async function modelOfStack(s: Session): Promise<{ model: string; name: string }> {
  const model = checkModelName(s.args.operands[0] ?? '');
  return { model, name: await s.stackName() };
}

/** One stderr line per change: words for people, a JSON line with --json. */
function pullPrinter(s: Session, startedAt: number): (progress: PullProgress) => void {
  return (progress) => {
    if (s.args.quiet) return;
    const elapsedMs = Date.now() - startedAt;
    if (s.args.json) s.io.stderr(`${JSON.stringify({ pull: progress, elapsedMs })}\n`);
    else s.io.stderr(`[${(elapsedMs / 1000).toFixed(1).padStart(7)}s] ${progress.model}: ${progress.text}\n`);
  };
}

export const modelsPull: Command = {
  name: 'models pull',
  usage: 'models [name] pull <model>',
  summary: 'Pull a model with Ollama on the instance, progress on stderr (Ctrl-C stops it there too)',
  flags: ['config'],
  takesName: true,
  operands: ['model'],
  state: 'reads',
  async run(s) {
    const { model, name } = await modelOfStack(s);
    const printer = progressPrinter(s);
    const result = await interruptible(s, printer,
      (signal) => s.engine.pullModel(name, model, { signal, onProgress: pullPrinter(s, Date.now()) }),
      'Stopping the pull on the instance (Ctrl-C again to quit at once; it may then go on there).');
    const declared = (await s.engine.show(name))?.config.ollamaModels ?? [];
    if (s.args.json) {
      s.json({ name, ...result, pulled: true });
      return;
    }
    const size = result.totalBytes !== undefined ? ` (${modelSize(result.totalBytes)})` : '';
    s.summary([
      `Pulled ${model}${size} on stack ${name} in ${(result.elapsedMs / 1000).toFixed(1)}s.`,
      ...(declared.map(withTag).includes(withTag(model)) ? [] : [
        `! ${model} is not in the stack's ollamaModels. It stays on EFS; add it to geusemaker.yaml to keep the config the full list.`,
      ]),
    ]);
  },
};

export const modelsRemove: Command = {
  name: 'models rm',
  usage: 'models [name] rm <model>',
  summary: 'Remove a model from Ollama on the instance (asks first; --yes skips the question)',
  flags: ['config', 'yes'],
  takesName: true,
  operands: ['model'],
  state: 'reads',
  async run(s) {
    const { model, name } = await modelOfStack(s);
    if (!s.args.yes) {
      const question = `Remove model ${model} from stack ${name}? Its files on EFS are deleted; pulling it again downloads it again.`;
      if (!s.io.isTTY || !s.io.readLine) {
        throw refused('CONFIRMATION_REQUIRED', `Removing ${model} from stack ${name} needs confirmation, but there is no terminal to ask on (stdin is not a TTY), so nothing was removed.`,
          `Pass --yes to remove it without the question: ${s.command(['models', name, 'rm', model, '--yes'])}`);
      }
      if (!(await askYesNo(s.io, question))) {
        throw refused('DECLINED', `The removal of ${model} from stack ${name} was not confirmed, so nothing was removed.`, 'Run it again and answer yes, or pass --yes.');
      }
    }
    await interruptible(s, progressPrinter(s), (signal) => s.engine.removeModel(name, model, { signal }),
      'Stopping: a removal already sent to the instance runs to its end there.');
    if (s.args.json) s.json({ name, model, removed: true });
    else s.summary([`Removed ${model} from stack ${name}.`]);
  },
};
