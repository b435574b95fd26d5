import { gunzipSync } from 'node:zlib';
import type { SsmFactory } from '../../src/engine/operate';
import { HEALTH_MARKER } from '../../src/engine/health/script';
import { FLUSH_BEGIN, FLUSH_END } from '../../src/engine/backup/flush-script';
import { operationOf } from '../../src/engine/ssm/recorded-commands';
import type { CommandResult, CommandRunner } from '../../src/engine/ssm/run-command';
import { UPDATE_OK } from '../../src/engine/update/in-place';

/** One bootstrap an update pushed to an instance, unpacked. */
export interface PushedBootstrap {
  instanceId: string;
  bootstrap: string;
}

/** What reached an instance over Run Command, in order: the backup's flush, an update's push, a health round. */
export type InstanceEvent = { kind: 'flush' | 'push' | 'health'; instanceId: string; healthy?: boolean };

const ok = (stdout: string): CommandResult => ({ status: 'Success', stdout, stderr: '', truncated: false, exitCode: 0 });

/**
 * A service's line in the health script's report as the instance prints it (the shapes of
 * test/fixtures/ssm/health-invocation-sequence.json): running and answering, or a container that keeps restarting.
 */
function probeReport(name: string, probe: 'http' | 'pg', healthy: boolean): string {
  if (probe === 'pg') return JSON.stringify({ name, probe: 'pg_isready', state: 'running', health: 'healthy', restarts: 0, exit: 0, ms: 83 });
  return JSON.stringify(healthy
    ? { name, probe: 'http', state: 'running', health: 'healthy', restarts: 0, exit: 0, code: 200, ms: 14, bodyOk: true }
    : { name, probe: 'http', state: 'restarting', health: 'none', restarts: 6, exit: 7, code: 0, ms: 0, bodyOk: false });
}

/**
 * Run Command as the SSM agent answers it, for upgrades (moto runs nothing and prints nothing): the backup's
 * consistency flush answers with its frame (a PostgreSQL dump and a Qdrant snapshot written), an update's push is
 * recorded with the bootstrap it carries and confirmed, and a health round reports every probed service healthy —
 * or, while `broken(instanceId)` says so, n8n's container restarting (an image that crash-loops).
 */
export class UpgradeSsm {
  readonly pushed: PushedBootstrap[] = [];
  readonly events: InstanceEvent[] = [];
  /** Called for every command, before it is answered (tests put it on one timeline with AWS calls). */
  onCommand: (event: InstanceEvent) => void = () => undefined;
  /** Whether n8n on this instance crash-loops now (e.g. it runs the new AMI, or was given the new images). */
  broken: (instanceId: string) => boolean | Promise<boolean> = () => false;

  readonly runner: CommandRunner = {
    run: async (instanceId, lines): Promise<CommandResult> => {
      if (operationOf(lines) === 'backup-flush') {
        this.record({ kind: 'flush', instanceId });
        return ok([
          FLUSH_BEGIN,
          'item kind=postgres name=n8n file=postgres/n8n-20261207T101500Z.dump bytes=18874368',
          'item kind=qdrant name=full file=qdrant/full-snapshot-2026-12-07-10-15-02.snapshot bytes=5242880',
          `${FLUSH_END} ok`, '',
        ].join('\n'));
      }
      const packed = lines.map((line) => /printf %s '([A-Za-z0-9+/=]+)'/.exec(line)?.[1]).find(Boolean);
      if (packed) {
        this.record({ kind: 'push', instanceId });
        this.pushed.push({ instanceId, bootstrap: gunzipSync(Buffer.from(packed, 'base64')).toString('utf8') });
        return ok(`${UPDATE_OK}\n`);
      }
      if (lines.some((line) => line.includes(HEALTH_MARKER.trim()))) {
        const healthy = !(await this.broken(instanceId));
        this.record({ kind: 'health', instanceId, healthy });
        const probes = lines.flatMap((line) => {
          const match = /^\s*gm_(http|pg) ([a-z0-9-]+) /.exec(line);
          return match ? [probeReport(match[2]!, match[1] as 'http' | 'pg', healthy || match[2] !== 'n8n')] : [];
        });
        return ok(`${HEALTH_MARKER}{"docker":true,"bootstrap":"done","step":"finish","services":[${probes.join(',')}],"disks":[]}\n`);
      }
      return ok('');
    },
  };

  readonly factory: SsmFactory = () => ({ runner: this.runner, agents: { status: async (instanceId) => ({ instanceId, pingStatus: 'Online' }) } });

  /** The bootstrap pushed last to an instance, if any. */
  lastPushedTo(instanceId: string): string | undefined {
    return this.pushed.filter((push) => push.instanceId === instanceId).at(-1)?.bootstrap;
  }

  private record(event: InstanceEvent): void {
    this.events.push(event);
    this.onCommand(event);
  }
}
