import { GetAWSDefaultServiceQuotaCommand, GetServiceQuotaCommand, type ServiceQuotasClient } from '@aws-sdk/client-service-quotas';
import { z } from 'zod';

/**
 * Service Quotas GetServiceQuota, answered as AWS sends it (the engine parses it). Behind an interface because
 * moto's Service Quotas knows only the `vpc` service: tests replay recorded answers for the EC2 vCPU quotas.
 */
export interface QuotaApi {
  /** The GetServiceQuota response body; throws the service's errors (NoSuchResourceException, AccessDeniedException, …). */
  getServiceQuota(serviceCode: string, quotaCode: string, signal?: AbortSignal): Promise<unknown>;
  /** GetAWSDefaultServiceQuota: the default value, for a quota the account has no applied value of (NoSuchResourceException). */
  getAwsDefaultServiceQuota(serviceCode: string, quotaCode: string, signal?: AbortSignal): Promise<unknown>;
}

export class SdkQuotaApi implements QuotaApi {
  constructor(private readonly client: ServiceQuotasClient) {}

  async getServiceQuota(serviceCode: string, quotaCode: string, signal?: AbortSignal): Promise<unknown> {
    return this.client.send(new GetServiceQuotaCommand({ ServiceCode: serviceCode, QuotaCode: quotaCode }), { abortSignal: signal });
  }

  async getAwsDefaultServiceQuota(serviceCode: string, quotaCode: string, signal?: AbortSignal): Promise<unknown> {
    return this.client.send(new GetAWSDefaultServiceQuotaCommand({ ServiceCode: serviceCode, QuotaCode: quotaCode }), { abortSignal: signal });
  }
}

const serviceErrorSchema = z.object({
  name: z.string().regex(/^[A-Z][A-Za-z]+(Exception|Error)?$/),
  $fault: z.enum(['client', 'server']),
  $metadata: z.object({ httpStatusCode: z.number().optional() }).optional(),
});

/**
 * Why a Service Quotas call failed, in words: the service's error code, or "unknown" with what came back when
 * the answer was not the service's JSON (the SDK then throws a bare SyntaxError: an HTML error page, an emulator
 * without the call). Never a parser's class name presented as AWS's answer.
 */
export function quotaFailure(error: unknown): string {
  const status = (error as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata?.httpStatusCode;
  if (error instanceof SyntaxError || (error instanceof Error && /Deserialization error/.test(error.message))) {
    return `unknown: Service Quotas sent an answer that is not its JSON${status ? ` (HTTP ${status})` : ''}`;
  }
  const parsed = serviceErrorSchema.safeParse(error);
  if (parsed.success) return parsed.data.name;
  return `unknown: ${error instanceof Error && error.name !== 'Error' ? error.name : 'no answer from Service Quotas'}`;
}
