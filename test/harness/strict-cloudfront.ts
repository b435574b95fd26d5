import type { ClientInstrument, InstrumentableClient, ServiceName } from '../../src/engine/aws/clients';
import { awsError } from './faults';
import { testEmulator } from './root-hooks';

/** moto's state manager: the distribution answers InProgress for `reads` reads before Deployed (not cleared by reset). */
export async function holdDistributionsInProgress(reads: number): Promise<void> {
  const response = await fetch(`${testEmulator().endpoint}/moto-api/state-manager/set-transition`, {
    method: 'POST', body: JSON.stringify({ model_name: 'cloudfront::distribution', transition: { progression: 'manual', times: reads } }),
  });
  if (!response.ok) throw new Error(`set-transition failed: HTTP ${response.status}`);
}

export async function releaseDistributions(): Promise<void> {
  await fetch(`${testEmulator().endpoint}/moto-api/state-manager/unset-transition`, { method: 'POST', body: JSON.stringify({ model_name: 'cloudfront::distribution' }) });
}

export interface RecordedCall {
  operation: string;
  input: Record<string, unknown>;
  /** The ETag the engine was given (CloudFront calls only). */
  etag?: string;
  status?: string;
}

/**
 * Real CloudFront rules moto lacks (AWS-REALITY.md): every response carries a new ETag and writes must send
 * the newest one (PreconditionFailed 412); an update puts the distribution back InProgress for a while; only
 * a disabled, Deployed distribution can be deleted (DistributionNotDisabled 409). Records every CloudFront call.
 */
export class StrictCloudFront {
  readonly calls: RecordedCall[] = [];
  readonly violations: string[] = [];
  private version = 0;
  private readonly latest = new Map<string, string>();
  private readonly inProgressReads = new Map<string, number>();
  private readonly disabled = new Set<string>();

  /** @param readsAfterUpdate reads that answer InProgress after each UpdateDistribution */
  constructor(private readonly readsAfterUpdate = 3) {}

  private refuse(operation: string, name: string, status: number, why: string): never {
    this.violations.push(`${operation}: ${why}`);
    throw awsError({ name, message: why, status });
  }

  readonly instrument: ClientInstrument = (client: InstrumentableClient, service: ServiceName) => {
    if (service !== 'cloudfront') return;
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const operation = `cloudfront:${String((context as { commandName?: string }).commandName ?? '').replace(/Command$/, '')}`;
        const input = (args as { input: Record<string, unknown> }).input;
        const id = String(input.Id ?? '');
        const call: RecordedCall = { operation, input };
        this.calls.push(call);
        if (operation === 'cloudfront:UpdateDistribution' || operation === 'cloudfront:DeleteDistribution') {
          if (input.IfMatch !== this.latest.get(id)) this.refuse(operation, 'PreconditionFailed', 412, `IfMatch ${String(input.IfMatch)} is not the newest ETag ${this.latest.get(id) ?? '(none read)'}`);
        }
        if (operation === 'cloudfront:DeleteDistribution' && (!this.disabled.has(id) || (this.inProgressReads.get(id) ?? 0) > 0)) {
          this.refuse(operation, 'DistributionNotDisabled', 409, 'The distribution you are trying to delete has not been disabled and deployed.');
        }
        const result = await next(args);
        const output = result.output as { ETag?: string; Distribution?: { Id?: string; Status?: string } };
        if (output.ETag !== undefined) {
          const key = id || output.Distribution?.Id || '';
          output.ETag = `E${++this.version}`;
          this.latest.set(key, output.ETag);
          call.etag = output.ETag;
        }
        if (operation === 'cloudfront:UpdateDistribution') {
          const config = input.DistributionConfig as { Enabled?: boolean } | undefined;
          if (config?.Enabled === false) this.disabled.add(id);
          this.inProgressReads.set(id, this.readsAfterUpdate);
        }
        if (operation === 'cloudfront:GetDistribution' && output.Distribution) {
          const left = this.inProgressReads.get(id) ?? 0;
          if (left > 0) {
            output.Distribution.Status = 'InProgress';
            this.inProgressReads.set(id, left - 1);
          }
          call.status = output.Distribution.Status;
        }
        return result;
      },
      { step: 'initialize', name: 'geusemakerStrictCloudFront', priority: 'low' },
    );
  };
}
