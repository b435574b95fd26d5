import { type Engine, GeuseError, refused, table } from '../../engine';
import type { Command } from '../command';
import { confirmer, interruptible, progressPrinter } from '../interaction';

/** `secrets [name] list | rotate`: the stack's secrets in Parameter Store, their ages, and rotation. */

type RotationPlan = Awaited<ReturnType<Engine['secrets']['planRotation']>>;
type SecretAge = Awaited<ReturnType<Engine['secrets']['ages']>>[number];

function planLines(plan: RotationPlan): string[] {
  return [
    `Rotate the secrets of stack ${plan.stack}: ${plan.secrets.join(', ')}. In this order:`,
    ...plan.steps.map((step, index) => `  ${index + 1}. ${step}`),
    'Not rotated:',
    ...plan.notRotated.map((each) => `  ${each.name}: ${each.reason}`),
  ];
}

function rotateWords(age: SecretAge): string {
  if (age.rotatable === undefined) return age.name === 'n8n-encryption-key' ? 'never (n8n cannot re-encrypt its credentials)' : `no: ${age.notRotatedBecause ?? 'not rotatable'}`;
  return age.due ? `DUE (--only ${age.rotatable})` : `--only ${age.rotatable}`;
}

export const secretsList: Command = {
  name: 'secrets list',
  usage: 'secrets [name] list',
  summary: 'The stack\'s secrets: version and last change as Parameter Store says, and which are due under rotateAfterDays',
  flags: ['config'],
  takesName: true,
  state: 'reads',
  async run(s) {
    const name = await s.stackName();
    const state = await s.engine.show(name);
    if (!state) throw s.stackNotFound(name);
    const ages = await interruptible(s, progressPrinter(s), (signal) => s.engine.secrets.ages(name, { signal }), false);
    const rotateAfterDays = state.config.rotateAfterDays ?? null;
    if (s.args.json) {
      s.json({ name, rotateAfterDays, secrets: ages.map((age) => ({ ...age, rotatable: age.rotatable ?? null })) });
      return;
    }
    const due = ages.filter((age) => age.due);
    s.out([
      ...table([['SECRET', 'VERSION', 'LAST CHANGED', 'AGE', 'ROTATE'], ...ages.map((age) => [
        age.name, String(age.version), `${age.lastChangedAt.slice(0, 10)} ${age.lastChangedAt.slice(11, 16)} UTC`, `${age.ageDays} d`, rotateWords(age),
      ])], ''),
      '',
      rotateAfterDays === null ? 'rotateAfterDays is not set, so no secret is said to be due.'
        : due.length === 0 ? `rotateAfterDays is ${rotateAfterDays}: none is due.`
          : `rotateAfterDays is ${rotateAfterDays}: ${due.length} due. To rotate them: ${s.command(['secrets', name, 'rotate', '--only', due.map((age) => age.rotatable ?? age.name).join(',')])}`,
    ]);
  },
};

export const secretsRotate: Command = {
  name: 'secrets rotate',
  usage: 'secrets [name] rotate [--only S,S]',
  summary: 'New values for the stack\'s secrets, applied on the instance in order; undone if health fails (asks first)',
  moreHelp: ['the n8n encryption key is never rotated: n8n cannot re-encrypt its stored credentials'],
  flags: ['config', 'only', 'yes', 'take-over-lock'],
  takesName: true,
  state: 'writes',
  async run(s) {
    const name = await s.stackName();
    const printer = progressPrinter(s);
    const { confirm } = confirmer<RotationPlan>(s, `Rotate these secrets of stack ${name}?`, printer, planLines, () => true);
    let result;
    try {
      result = await interruptible(s, printer,
        (signal) => s.engine.secrets.rotate(name, { only: s.args.only, takeOverLock: s.args.takeOverLock, confirm, signal, onProgress: printer.listener }),
        'Stopping: the step on the instance is cancelled and the old values are put back (Ctrl-C again to quit at once).');
    } catch (error) {
      if (error instanceof GeuseError && error.code === 'DECLINED' && !s.args.yes && (!s.io.isTTY || !s.io.readLine)) {
        throw refused('CONFIRMATION_REQUIRED', `Rotating the secrets of stack ${name} needs confirmation, but there is no terminal to ask on (stdin is not a TTY), so nothing was changed.`,
          `Pass --yes to rotate without the question: ${s.command(['secrets', name, 'rotate', ...(s.args.only ? ['--only', s.args.only.join(',')] : []), '--yes'])}`);
      }
      throw error;
    }
    // Undone is a failure for scripts (exit 1), said with the versions put back.
    if (result.restored) throw result.restored.error;
    if (s.args.json) {
      s.json({ name, rotated: result.rotated });
      return;
    }
    s.summary([
      `Rotated ${result.rotated.length} secret${result.rotated.length === 1 ? '' : 's'} of stack ${name}: ${result.rotated.map((each) => `${each.parameter} (version ${each.version})`).join(', ')}.`,
      'The old values are refused where that can be checked, and every service passed the health round after.',
      ...(result.rotated.some((each) => each.secret === 'n8n-owner') ? [`The n8n owner has a new password: ${s.command(['password', name])}`] : []),
    ]);
  },
};
