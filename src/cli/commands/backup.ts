import { GeuseError, invalidInput, refused, table, type Engine } from '../../engine';
import type { Command } from '../command';
import { confirmer, interruptible, progressPrinter, stackOperationCommand } from '../interaction';
import type { Session } from '../session';

/** `backup [name] now | list` and `restore [name] --from <recovery point> [--as <new stack>]`: AWS Backup of the stack's file system. */

type Backups = Engine['backups'];
type StackBackup = Awaited<ReturnType<Backups['list']>>[number];
type TakenBackup = Awaited<ReturnType<Backups['backupNow']>>;
type RestorePlan = Awaited<ReturnType<Backups['planRestore']>>;
type RestoreResult = Awaited<ReturnType<Backups['restore']>>;

function gigabytes(bytes: number | undefined): string {
  if (bytes === undefined) return '—';
  return bytes >= 1024 ** 3 ? `${(bytes / 1024 ** 3).toFixed(1)} GB` : `${Math.max(1, Math.round(bytes / 1024 ** 2))} MB`;
}

const minute = (iso: string | undefined) => (iso ? iso.slice(0, 16).replace('T', ' ') : '—');

function pointRows(points: readonly StackBackup[], current: string | undefined): string[] {
  return table([
    ['CREATED (UTC)', 'ORIGIN', 'WHY', 'SIZE', 'STATUS', 'AWS DELETES IT', 'FILE SYSTEM', 'RECOVERY POINT'],
    ...points.map((point) => [
      minute(point.createdAt), point.origin, point.reason ?? '—', gigabytes(point.sizeBytes), point.status, point.deleteAt?.slice(0, 10) ?? 'kept',
      point.fileSystemId === current ? point.fileSystemId : `${point.fileSystemId} (retired)`, point.recoveryPointArn,
    ]),
  ]);
}

export const backupList: Command = {
  name: 'backup list',
  usage: 'backup [name] list',
  summary: 'List the stack\'s backups (scheduled and on-demand, newest first) as AWS Backup has them now',
  flags: ['config'],
  takesName: true,
  state: 'reads',
  async run(s) {
    const name = await s.stackName();
    const points = await interruptible(s, progressPrinter(s), (signal) => s.engine.backups.list(name, { signal }), false);
    if (s.args.json) {
      s.json({ name, backups: points });
      return;
    }
    if (points.length === 0) {
      s.out([`Stack ${name} has no backups yet: the plan makes one daily (AWS Backup's window), or take one now with ${s.command(['backup', name, 'now'])}.`]);
      return;
    }
    const current = (await s.engine.show(name))?.resources.efs?.id;
    s.out([...pointRows(points, current), '', `To restore one: ${s.command(['restore', name, '--from', '<recovery point>'])} (add --as <new stack> to restore into a new stack instead)`]);
  },
};

function takenLines(name: string, taken: TakenBackup, s: Session): string[] {
  return [
    `Backed up stack ${name}: ${taken.recoveryPointArn} (${gigabytes(taken.sizeBytes)}, ${taken.status.toLowerCase()} ${minute(taken.completedAt ?? taken.createdAt)} UTC).`,
    ...(taken.flushed.length > 0 ? [`Made consistent first: ${taken.flushed.join('; ')}.`] : []),
    ...(taken.flushSkipped ? [`! Not flushed: ${taken.flushSkipped}.`] : []),
    taken.deleteAt ? `AWS Backup deletes it on ${taken.deleteAt.slice(0, 10)} (backup.retentionDays).` : 'AWS Backup keeps it until it is deleted.',
    `To restore it: ${s.command(['restore', name, '--from', taken.recoveryPointArn])}`,
  ];
}

export const backupNow = stackOperationCommand(
  { name: 'backup now', usage: 'backup [name] now', summary: 'Back up the stack now: pg_dump and a Qdrant snapshot on the instance, then an AWS Backup job, waited for' },
  (s, name, options) => s.engine.backups.backupNow(name, { reason: 'asked for', ...options }),
  (s, name, taken) => takenLines(name, taken, s),
  {
    stopping: 'Stopping the wait: a backup job already started keeps running in AWS Backup (run this again to wait for it).',
    json: (name, taken) => ({ name, backup: taken }),
  },
);

function planLines(plan: RestorePlan): string[] {
  return [
    plan.target === plan.stack ? `Restore stack ${plan.stack} in place from ${plan.recoveryPoint.recoveryPointArn}:` : `Restore ${plan.recoveryPoint.recoveryPointArn} of stack ${plan.stack} into a new stack ${plan.target}:`,
    ...plan.steps.map((step, index) => `  ${index + 1}. ${step}`),
  ];
}

function resultLines(name: string, result: RestoreResult, s: Session): string[] {
  const unhealthy = result.health.services.filter((service) => service.status !== 'healthy');
  return [
    result.target === name
      ? `Stack ${name} now runs on ${result.fileSystemId}, restored by AWS Backup.`
      : `New stack ${result.target} runs on ${result.fileSystemId}, restored by AWS Backup from stack ${name}'s backup; ${name} was not touched.`,
    ...(result.safetyBackup ? [`Backed up first: ${result.safetyBackup.recoveryPointArn} (reason "before restore").`] : []),
    ...(result.retiredFileSystemId ? [`Its previous file system ${result.retiredFileSystemId} is kept (its backups stay listed by ${s.command(['backup', name, 'list'])}); delete it when you no longer need it.`] : []),
    ...(result.copiedSecrets ? [`${result.target} has ${name}'s ${result.copiedSecrets.join(', ')} (the restored data opens only with them).`] : []),
    ...(result.settled ? [`The restored files were moved into place from ${result.settled.movedFrom}; what the first boot made is kept in ${result.settled.keptAside}.`] : []),
    result.health.healthy
      ? `Services: ${result.health.services.map((service) => `${service.service} ${service.status}`).join(', ')}.`
      : `! Not healthy yet: ${unhealthy.map((service) => `${service.service} ${service.status}${service.lastError ? ` (${service.lastError})` : ''}`).join('; ')}. Check again with ${s.command(['status', result.target])}.`,
  ];
}

export const restore: Command = {
  name: 'restore',
  usage: 'restore [name] --from <recovery point ARN> [--as <new stack>]',
  summary: 'Restore a backup into a new file system: a new stack on it (--as), or the stack switched to it (asks first)',
  moreHelp: ['Without --as the stack is paused, switched and started again on the restored data; its previous file system is kept.'],
  flags: ['config', 'from', 'as', 'yes', 'take-over-lock'],
  takesName: true,
  state: 'writes',
  async run(s) {
    const name = await s.stackName();
    const from = s.args.from;
    if (from === undefined) {
      throw invalidInput('USAGE', '`geusemaker restore` needs --from <recovery point ARN>: the backup to restore.', `List the stack's backups with ${s.command(['backup', name, 'list'])} and pass one's ARN.`);
    }
    const as = s.args.as;
    const printer = progressPrinter(s);
    const question = as === undefined ? `Switch stack ${name} to the restored data (its services stop meanwhile)?` : `Restore into a new stack ${as}?`;
    const { confirm, explain } = confirmer<RestorePlan>(s, question, printer, planLines, () => true);
    let result: RestoreResult;
    try {
      result = await interruptible(s, printer, (signal) => s.engine.backups.restore(name, { from, as, confirm, signal, onProgress: printer.listener, takeOverLock: s.args.takeOverLock }),
        'Stopping safely: a restore job already started keeps running in AWS Backup; run the same restore again to continue (Ctrl-C again to quit at once).');
    } catch (error) {
      const explained = explain(error, 'restore', name);
      if (explained instanceof GeuseError && explained.code === 'CONFIRMATION_REQUIRED') {
        throw refused('CONFIRMATION_REQUIRED', explained.message, `Pass --yes to restore without the question: ${s.command(['restore', name, '--from', from, ...(as !== undefined ? ['--as', as] : []), '--yes'])}`);
      }
      throw explained;
    }
    if (s.args.json) {
      s.json({ name, ...result });
      return;
    }
    s.summary(resultLines(name, result, s));
  },
};
