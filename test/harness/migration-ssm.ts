import { cancelled } from '../../src/engine/errors';
import { MIGRATE_MARK } from '../../src/engine/scale/migrate-script';
import { operationOf } from '../../src/engine/ssm/recorded-commands';
import type { CommandResult, CommandRunner, RunOptions } from '../../src/engine/ssm/run-command';

/** One script that reached the instance, in order. */
export interface MigrationCommand {
  instanceId: string;
  /** The operation its first line names (migrate-stop, migrate-dump…), or "other". */
  operation: string;
  comment: string;
  lines: readonly string[];
  /** Whether the call carried a cancellation signal (the rollback must not). */
  cancellable: boolean;
}

/**
 * How the instance answers: success; `mismatch`: RDS counts one row fewer in execution_entity (the count step's
 * frame as psql's json_object_agg prints it); `restore-fails`: pg_restore reports failed statements, as it does
 * when RDS runs out of storage part-way.
 */
export type MigrationScenario = 'success' | 'mismatch' | 'restore-fails';

/** Rows per table of a small n8n 1.80 database, as the count step prints them on the instance. */
export const SOURCE_COUNTS: Record<string, number> = {
  'public.credentials_entity': 4,
  'public.execution_data': 1520,
  'public.execution_entity': 1520,
  'public.migrations': 96,
  'public.project': 1,
  'public.settings': 9,
  'public.shared_workflow': 12,
  'public.user': 1,
  'public.workflow_entity': 12,
};

export const DUMP_FILE = 'backups/migration/n8n-20261207T101500Z.dump';

/** psql -At prints json_object_agg's text as PostgreSQL writes it: `{ "key" : value, … }` on one line. */
function asPsqlJson(counts: Record<string, number>): string {
  return `{ ${Object.entries(counts).map(([table, rows]) => `"${table}" : ${rows}`).join(', ')} }`;
}

function frame(json: string): string {
  return `${MIGRATE_MARK} ${json}\n`;
}

/**
 * SSM Run Command as the agent on the stack's instance answers the migration scripts (moto runs nothing): each
 * script gets the stdout its frame has on a real instance, and every script is kept in order, so tests assert
 * the ordered steps from the commands themselves. A signal aborted while a script "runs" fails it as
 * SsmCommandRunner does (CANCELLED), after `onRun` (where a test presses Ctrl-C).
 */
export class MigrationSsm {
  readonly ran: MigrationCommand[] = [];
  /** Called as each script reaches the instance, before it answers. */
  onRun?: (command: MigrationCommand) => void;

  /** n8n does not come back when the rollback starts it. */
  failStart = false;

  /** Scripts that are not the migration's (health rounds, an in-place update) go to `others` when given, and are recorded too. */
  constructor(public scenario: MigrationScenario = 'success', private readonly others?: CommandRunner) {}

  readonly runner: CommandRunner = {
    run: async (instanceId: string, lines: readonly string[], options: RunOptions = {}): Promise<CommandResult> => {
      if (options.signal?.aborted) throw cancelled();
      const command: MigrationCommand = { instanceId, operation: operationOf(lines) ?? 'other', comment: options.comment ?? '', lines, cancellable: options.signal !== undefined };
      if (!command.operation.startsWith('migrate-') && this.others) {
        this.ran.push(command);
        return this.others.run(instanceId, lines, options);
      }
      this.ran.push(command);
      this.onRun?.(command);
      if (options.signal?.aborted) throw cancelled();
      return { status: 'Success', stdout: this.answer(command.operation), stderr: '', truncated: false, exitCode: 0 };
    },
  };

  /** The operations, in the order they ran. */
  get operations(): string[] {
    return this.ran.map((each) => each.operation);
  }

  of(operation: string): MigrationCommand[] {
    return this.ran.filter((each) => each.operation === operation);
  }

  private answer(operation: string): string {
    switch (operation) {
      case 'migrate-stop': return frame('{"step":"stop","ok":true}');
      case 'migrate-dump': return frame(`{"step":"dump","ok":true,"file":"${DUMP_FILE}","bytes":5242880}`);
      case 'migrate-restore':
        return this.scenario === 'restore-fails'
          ? frame('{"step":"restore","ok":false,"error":"pg_restore into RDS failed: pg_restore: error: could not execute query: ERROR:  could not extend file \\"base/16400/16527\\": No space left on device HINT:  Check free disk space. Command was: COPY public.execution_data (id, \\"executionId\\", \\"workflowData\\", data) FROM stdin; "}')
          : frame('{"step":"restore","ok":true}');
      case 'migrate-count': {
        const target = this.scenario === 'mismatch' ? { ...SOURCE_COUNTS, 'public.execution_entity': 1519 } : SOURCE_COUNTS;
        return frame(`{"step":"count","ok":true,"source":${asPsqlJson(SOURCE_COUNTS)},"target":${asPsqlJson(target)}}`);
      }
      case 'migrate-start':
        return this.failStart
          ? frame('{"step":"start","ok":false,"error":"n8n was started but did not answer http://127.0.0.1:5678/healthz"}')
          : frame('{"step":"start","ok":true}');
      default: return '';
    }
  }
}
