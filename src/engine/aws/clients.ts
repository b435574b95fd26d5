import { CloudFrontClient } from '@aws-sdk/client-cloudfront';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { EC2Client } from '@aws-sdk/client-ec2';
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { ServiceQuotasClient } from '@aws-sdk/client-service-quotas';
import { EFSClient } from '@aws-sdk/client-efs';
import { IAMClient } from '@aws-sdk/client-iam';
import { SSMClient } from '@aws-sdk/client-ssm';
import { STSClient } from '@aws-sdk/client-sts';
import { fromNodeProviderChain } from '@aws-sdk/credential-providers';
import type { AwsCredentialIdentityProvider, InitializeMiddleware, MetadataBearer, MiddlewareStack } from '@smithy/types';
import { operationName, sendOnceMiddleware, unwrapNotResent } from './send-once';

export interface AwsAccessOptions {
  region: string;
  /** Named profile from ~/.aws/config (SSO profiles included); default chain when absent. */
  profile?: string;
  /** Points every client at one endpoint, e.g. the local emulator. */
  endpoint?: string;
  /** Total attempts per call, including the first (adaptive retry). */
  maxAttempts?: number;
  /** Lets tests and benchmarks add SDK middleware (fault injection, latency models, call counters). */
  instrument?: ClientInstrument;
}

/** IAM action prefixes, so an operation reads like the permission it needs (elasticloadbalancing:CreateLoadBalancer). */
export type ServiceName = 'ec2' | 'efs' | 'iam' | 'ssm' | 'sts' | 'elasticloadbalancing' | 'cloudfront' | 'servicequotas' | 'cloudwatch';

/** Any SDK v3 client exposes its middleware stack; that is all instrumentation needs. */
export interface InstrumentableClient {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the SDK's own generic stack type
  middlewareStack: MiddlewareStack<any, any>;
}

export type ClientInstrument = (client: InstrumentableClient, service: ServiceName) => void;

export interface AwsClients {
  region: string;
  profile?: string;
  ec2: EC2Client;
  efs: EFSClient;
  iam: IAMClient;
  ssm: SSMClient;
  sts: STSClient;
  elbv2: ElasticLoadBalancingV2Client;
  /** CloudFront is global; its API lives in us-east-1 whatever the stack's region. */
  cloudfront: CloudFrontClient;
  quotas: ServiceQuotasClient;
  /** CloudWatch: EFS size history for cost to date. */
  cloudwatch: CloudWatchClient;
  destroy(): void;
}

export const DEFAULT_MAX_ATTEMPTS = 8;

/** Marks every error with the IAM-style action that failed (e.g. ec2:CreateVpc), so messages can name it. */
function annotateOperation(service: ServiceName): InitializeMiddleware<object, MetadataBearer> {
  return (next, context) => async (args) => {
    try {
      return await next(args);
    } catch (thrown) {
      const error = unwrapNotResent(thrown);
      if (typeof error === 'object' && error !== null) Object.assign(error, { $operation: operationName(service, context) });
      throw error;
    }
  };
}

export function createClients(options: AwsAccessOptions): AwsClients {
  const credentials: AwsCredentialIdentityProvider = fromNodeProviderChain(options.profile ? { profile: options.profile } : {});
  const shared = {
    region: options.region,
    credentials,
    maxAttempts: options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS,
    retryMode: 'adaptive' as const,
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
  };
  const ec2 = new EC2Client(shared);
  const efs = new EFSClient(shared);
  const iam = new IAMClient(shared);
  const ssm = new SSMClient(shared);
  const sts = new STSClient(shared);
  const elbv2 = new ElasticLoadBalancingV2Client(shared);
  const cloudfront = new CloudFrontClient({ ...shared, region: 'us-east-1' });
  const quotas = new ServiceQuotasClient(shared);
  const cloudwatch = new CloudWatchClient(shared);
  const all: [InstrumentableClient, ServiceName][] = [
    [ec2, 'ec2'], [efs, 'efs'], [iam, 'iam'], [ssm, 'ssm'], [sts, 'sts'], [elbv2, 'elasticloadbalancing'], [cloudfront, 'cloudfront'], [quotas, 'servicequotas'], [cloudwatch, 'cloudwatch'],
  ];
  for (const [client, service] of all) {
    client.middlewareStack.add(annotateOperation(service), { step: 'initialize', name: 'geusemakerAnnotateOperation' });
    client.middlewareStack.add(sendOnceMiddleware(service), { step: 'finalizeRequest', name: 'geusemakerSendOnce', priority: 'low' });
  }
  if (options.instrument) for (const [client, service] of all) options.instrument(client, service);
  return {
    region: options.region,
    profile: options.profile,
    ec2, efs, iam, ssm, sts, elbv2, cloudfront, quotas, cloudwatch,
    destroy() {
      for (const client of [ec2, efs, iam, ssm, sts, elbv2, cloudfront, quotas, cloudwatch]) client.destroy();
    },
  };
}
