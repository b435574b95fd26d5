import { gunzipSync } from 'node:zlib';
import type { SsmFactory } from '../../src/engine/operate';
import type { CommandResult, CommandRunner } from '../../src/engine/ssm/run-command';
import { GeuseError } from '../../src/engine/errors';
import { UPDATE_FAILED, UPDATE_OK } from '../../src/engine/update/in-place';

/** One script an update pushed to an instance: where, and the bootstrap it carried (unpacked). */
export interface PushedUpdate {
  instanceId: string;
  bootstrap: string;
}

/**
 * Run Command as the SSM agent answers it (moto runs nothing): an update's script is recorded with the bootstrap it
 * carries, and answered with the output a real run prints (the marker on its last line), or with a failed run.
 */
export class UpdateSsm {
  readonly pushed: PushedUpdate[] = [];
  /** Fail the next n in-place updates as a failed bootstrap does (exit 1, the marker on stderr). */
  failNext = 0;

  readonly runner: CommandRunner = {
    run: async (instanceId, lines): Promise<CommandResult> => {
      const packed = lines.map((line) => /printf %s '([A-Za-z0-9+/=]+)'/.exec(line)?.[1]).find(Boolean);
      if (!packed) return { status: 'Success', stdout: '', stderr: '', truncated: false, exitCode: 0 };
      this.pushed.push({ instanceId, bootstrap: gunzipSync(Buffer.from(packed, 'base64')).toString('utf8') });
      if (this.failNext > 0) {
        this.failNext--;
        // What SsmCommandRunner throws for a Failed invocation (recorded shape: exit 1, the script's last words on stderr).
        throw new GeuseError({
          code: 'SSM_COMMAND_FAILED', kind: 'unknown', operation: 'ssm:GetCommandInvocation',
          message: `The command failed on ${instanceId} (command 0b7a-test) with exit code 1 (Failed). It said: ${UPDATE_FAILED} wait-health: the previous settings are running again`,
          nextStep: 'Open a terminal on the instance (GeuseMaker: Open Terminal) to look closer, or check the bootstrap log.',
        });
      }
      return { status: 'Success', stdout: `${UPDATE_OK}\n`, stderr: '', truncated: false, exitCode: 0 };
    },
  };

  readonly factory: SsmFactory = () => ({ runner: this.runner, agents: { status: async (instanceId) => ({ instanceId, pingStatus: 'Online' }) } });
}
