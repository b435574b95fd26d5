import { DescribeImagesCommand } from '@aws-sdk/client-ec2';
import { GetParameterCommand } from '@aws-sdk/client-ssm';
import type { AwsClients } from '../../src/engine/aws/clients';
import type { BackupApi, BackupApiFactory } from '../../src/engine/backup/api';
import { testedImages } from '../../src/engine/bootstrap/compose';
import type { ClientInstrument } from '../../src/engine/aws/clients';
import { newStackState } from '../../src/engine/deploy';
import type { Engine } from '../../src/engine/engine';
import type { StackConfig } from '../../src/engine/stack/config';

/**
 * moto publishes no AMI newer than the one its AL2023 parameter names, and refuses PutParameter under /aws as AWS
 * does, so an "older" AMI is one of moto's built-in images: Amazon Linux 2 HVM, x86_64, root /dev/xvda.
 */
export const OLDER_AMI = 'ami-04681a1dbd79675a5';
export const OLDER_AMI_NAME = 'amzn2-ami-hvm-2.0.20180810-x86_64-gp2';

/** The newest AMI of a dev stack's family as the emulator publishes it: AL2023's public parameter, and its name. */
export async function newestAl2023(aws: AwsClients): Promise<{ id: string; name?: string }> {
  const id = (await aws.ssm.send(new GetParameterCommand({ Name: '/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64' }))).Parameter!.Value!;
  const images = await aws.ec2.send(new DescribeImagesCommand({ ImageIds: [id] })).catch(() => undefined);
  const name = images?.Images?.[0]?.Name;
  return { id, ...(name ? { name } : {}) };
}

/** Images an earlier GeuseMaker release tested (older tags of the same repositories than templates/versions.json). */
export const OLDER_IMAGES = { n8n: 'docker.n8n.io/n8nio/n8n:1.79.3', ollama: 'ollama/ollama:0.5.7' } as const;

/**
 * A stack as an earlier release left it: its state carries pins with older images (and AMI) before its first
 * deploy, so that deploy launches exactly those, as the earlier release would have. Everything after is the engine's.
 */
export async function seedOlderPins(engine: Engine, config: StackConfig, pins: { images?: Record<string, string>; amiId?: string } = {}): Promise<void> {
  const state = newStackState(config);
  state.pins = {
    images: { ...testedImages(), ...(pins.images ?? OLDER_IMAGES) },
    ...(pins.amiId ? { amiId: pins.amiId } : {}),
    release: '0.0.9', at: '2025-01-06T09:00:00.000Z',
  };
  await engine.store.write(state);
}

/** Mutating calls (and AWS Backup's calls, and Run Command) in the order they were made: "backup first" is asserted on it. */
export class Timeline {
  readonly entries: string[] = [];

  /** Records every EC2 and Auto Scaling call that changes something. */
  readonly instrument: ClientInstrument = (client, service) => {
    if (service !== 'ec2' && service !== 'autoscaling') return;
    client.middlewareStack.add((next, context) => async (args) => {
      const name = (context as { commandName?: string }).commandName ?? '';
      if (!/^(Describe|Get|List)/.test(name)) this.entries.push(`${service}:${name.replace(/Command$/, '')}`);
      return next(args);
    }, { step: 'initialize', name: 'gmTimeline' });
  };

  /** The recorded AWS Backup answers, each call put on the timeline. */
  backup(factory: BackupApiFactory): BackupApiFactory {
    return (client, region) => {
      const api = factory(client, region);
      return new Proxy(api, {
        get: (target, key: keyof BackupApi) => {
          const value = target[key];
          if (typeof value !== 'function') return value;
          return (...args: unknown[]) => {
            this.entries.push(`backup:${String(key)}`);
            return (value as (...a: unknown[]) => unknown).apply(target, args);
          };
        },
      });
    };
  }

  /** From now on only. */
  clear(): void {
    this.entries.length = 0;
  }
}
