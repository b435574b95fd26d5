import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FLUSH_BEGIN, FLUSH_END } from '../../src/engine/backup/flush-script';
import { SETTLE_BEGIN, SETTLE_END } from '../../src/engine/backup/settle';
import type { SsmFactory } from '../../src/engine/operate';
import { operationOf } from '../../src/engine/ssm/recorded-commands';
import type { CommandResult, CommandRunner } from '../../src/engine/ssm/run-command';
import { UPDATE_OK } from '../../src/engine/update/in-place';

/** One script that reached an instance: which operation (the script's first line names it), and how many AWS Backup calls came before it. */
export interface RanScript {
  instanceId: string;
  operation: string;
  comment: string;
  lines: readonly string[];
  /** RecordedBackup.calls.length when it ran: orders it against the AWS Backup calls. */
  backupCallsBefore: number;
}

const HEALTH_COMMENT = 'GeuseMaker health check';

/**
 * The health round the recorded SSM answers (test/fixtures/ssm/health-invocation-sequence.json) with every service
 * running and healthy: the same GM_HEALTH_V1 report shape, as a stack that came up on its data prints it.
 */
function healthyReport(): string {
  const round = JSON.parse(readFileSync(join(__dirname, '..', 'fixtures', 'ssm', 'health-invocation-sequence.json'), 'utf8')) as { StandardOutputContent?: string }[];
  const line = (round.at(-1)?.StandardOutputContent ?? '').trim();
  const report = JSON.parse(line.slice(line.indexOf(' ') + 1)) as { services: Record<string, unknown>[] };
  report.services = report.services.map((service) => ({
    ...service, state: 'running', health: 'healthy', restarts: 0, exit: 0, ms: 12, ...(service.probe === 'http' ? { code: 200, bodyOk: true } : {}),
  }));
  return `GM_HEALTH_V1 ${JSON.stringify(report)}\n`;
}

/** What the flush script prints on an instance running PostgreSQL (n8n and postgres databases) and Qdrant. */
function flushOutput(lines: readonly string[], stamp: string): string {
  const script = lines.join('\n');
  const items: string[] = [];
  if (script.includes('pg_dump')) {
    items.push(`item kind=postgres name=n8n file=postgres/n8n-${stamp}.dump bytes=5242880`, `item kind=postgres name=postgres file=postgres/postgres-${stamp}.dump bytes=1210`);
  }
  if (script.includes('/snapshots?wait=true')) items.push('item kind=qdrant name=full file=qdrant/full-snapshot-2026-12-07-10-15-00.snapshot bytes=31457280');
  return [FLUSH_BEGIN, ...items, `${FLUSH_END} ok`, ''].join('\n');
}

/**
 * SSM Run Command as the agent answers it (moto runs nothing): the backup flush gets the frame the script prints
 * (or, with failFlush, the frame of a pg_dump that failed), the restore's settle the frame of a restore directory
 * moved into place, the health check a healthy round, an in-place update its success marker. Every script is kept
 * with the number of AWS Backup calls made before it, so tests can order them.
 */
export class BackupSsm {
  readonly ran: RanScript[] = [];
  /** The next n flushes fail at pg_dump, as the script reports it. */
  failFlush = 0;

  constructor(private readonly backupCalls: () => number = () => 0) {}

  readonly runner: CommandRunner = {
    run: async (instanceId, lines, options = {}): Promise<CommandResult> => {
      const comment = options.comment ?? '';
      const operation = comment === HEALTH_COMMENT ? 'health' : operationOf(lines) ?? (lines.some((line) => line.includes('geusemaker-bootstrap')) ? 'update' : 'other');
      this.ran.push({ instanceId, operation, comment, lines, backupCallsBefore: this.backupCalls() });
      const stamp = '20261207T101500Z';
      let stdout = '';
      if (operation === 'health') stdout = healthyReport();
      else if (operation === 'update') stdout = `${UPDATE_OK}\n`;
      else if (operation === 'backup-flush' && this.failFlush > 0) {
        this.failFlush--;
        stdout = [FLUSH_BEGIN, `error pg_dump of n8n failed: pg_dump: error: query failed: ERROR:  could not open file "base/16384/2619": Input/output error`, `${FLUSH_END} failed step=postgres-dump`, ''].join('\n');
      } else if (operation === 'backup-flush') stdout = flushOutput(lines, stamp);
      else if (operation === 'backup-restore-settle') stdout = [SETTLE_BEGIN, `${SETTLE_END} ok moved=aws-backup-restore_2026-12-07T10-20-00 aside=.geusemaker-before-restore-${stamp}`, ''].join('\n');
      return { status: 'Success', stdout, stderr: '', truncated: false, exitCode: 0 };
    },
  };

  /** The scripts of one operation, in order. */
  of(operation: string): RanScript[] {
    return this.ran.filter((each) => each.operation === operation);
  }

  readonly factory: SsmFactory = () => ({ runner: this.runner, agents: { status: async (instanceId) => ({ instanceId, pingStatus: 'Online' }) } });
}
