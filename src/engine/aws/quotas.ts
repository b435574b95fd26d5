import { GetAWSDefaultServiceQuotaCommand, GetServiceQuotaCommand, type ServiceQuotasClient } from '@aws-sdk/client-service-quotas';

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
