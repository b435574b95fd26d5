import { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import { BackupClient } from '@aws-sdk/client-backup';
import { BudgetsClient } from '@aws-sdk/client-budgets';
import { CostExplorerClient } from '@aws-sdk/client-cost-explorer';
import { CloudFrontClient } from '@aws-sdk/client-cloudfront';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { EC2Client } from '@aws-sdk/client-ec2';
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { ServiceQuotasClient } from '@aws-sdk/client-service-quotas';
import { EFSClient } from '@aws-sdk/client-efs';
import { ElastiCacheClient } from '@aws-sdk/client-elasticache';
import { RDSClient } from '@aws-sdk/client-rds';
import { IAMClient } from '@aws-sdk/client-iam';
import { SNSClient } from '@aws-sdk/client-sns';
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
export type ServiceName = 'ec2' | 'efs' | 'iam' | 'ssm' | 'sts' | 'elasticloadbalancing' | 'cloudfront' | 'servicequotas' | 'cloudwatch' | 'autoscaling' | 'sns' | 'backup' | 'budgets' | 'ce' | 'rds' | 'elasticache';

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
  /** EC2 Auto Scaling: the stack's group of one. */
  autoscaling: AutoScalingClient;
  /** SNS: the topic the group's notices go to (notifyEmail). */
  sns: SNSClient;
  /** AWS Backup: the stack's vault, plan and on-demand backups of its file system. */
  backup: BackupClient;
  /** AWS Budgets is global; its API lives in us-east-1 whatever the stack's region. */
  budgets: BudgetsClient;
  /** Cost Explorer (us-east-1): whether the cost allocation tag is active. */
  ce: CostExplorerClient;
  /** RDS: a scaled stack's PostgreSQL. */
  rds: RDSClient;
  /** ElastiCache: a scaled stack's queue (Valkey). */
  elasticache: ElastiCacheClient;
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

type SdkClient = InstrumentableClient & { destroy(): void };

/**
 * Each client is built on first use, not here: a command that only reads EC2 never loads (or, in the bundles,
 * even evaluates) the other eight SDK clients, and one with no AWS call loads none (issue 13). A client gets
 * the same middleware and `instrument` call, in the same order, as when all nine were built at once.
 */
export function createClients(options: AwsAccessOptions): AwsClients {
  let credentials: AwsCredentialIdentityProvider | undefined;
  const shared = () => ({
    region: options.region,
    // One provider for every client, made with the first: its cache of resolved credentials is shared.
    credentials: (credentials ??= fromNodeProviderChain(options.profile ? { profile: options.profile } : {})),
    maxAttempts: options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS,
    retryMode: 'adaptive' as const,
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
  });
  const constructed: SdkClient[] = [];
  function lazy<T extends SdkClient>(service: ServiceName, make: (config: ReturnType<typeof shared>) => T): () => T {
    let client: T | undefined;
    return () => {
      if (client) return client;
      const made = make(shared());
      made.middlewareStack.add(annotateOperation(service), { step: 'initialize', name: 'geusemakerAnnotateOperation' });
      made.middlewareStack.add(sendOnceMiddleware(service), { step: 'finalizeRequest', name: 'geusemakerSendOnce', priority: 'low' });
      options.instrument?.(made, service);
      constructed.push(made);
      return (client = made);
    };
  }
  const ec2 = lazy('ec2', (config) => new EC2Client(config));
  const efs = lazy('efs', (config) => new EFSClient(config));
  const iam = lazy('iam', (config) => new IAMClient(config));
  const ssm = lazy('ssm', (config) => new SSMClient(config));
  const sts = lazy('sts', (config) => new STSClient(config));
  const elbv2 = lazy('elasticloadbalancing', (config) => new ElasticLoadBalancingV2Client(config));
  const cloudfront = lazy('cloudfront', (config) => new CloudFrontClient({ ...config, region: 'us-east-1' }));
  const quotas = lazy('servicequotas', (config) => new ServiceQuotasClient(config));
  const cloudwatch = lazy('cloudwatch', (config) => new CloudWatchClient(config));
  const autoscaling = lazy('autoscaling', (config) => new AutoScalingClient(config));
  const sns = lazy('sns', (config) => new SNSClient(config));
  const backup = lazy('backup', (config) => new BackupClient(config));
  const budgets = lazy('budgets', (config) => new BudgetsClient({ ...config, region: 'us-east-1' }));
  const ce = lazy('ce', (config) => new CostExplorerClient({ ...config, region: 'us-east-1' }));
  const rds = lazy('rds', (config) => new RDSClient(config));
  const elasticache = lazy('elasticache', (config) => new ElastiCacheClient(config));
  return {
    region: options.region,
    profile: options.profile,
    get ec2() { return ec2(); },
    get efs() { return efs(); },
    get iam() { return iam(); },
    get ssm() { return ssm(); },
    get sts() { return sts(); },
    get elbv2() { return elbv2(); },
    get cloudfront() { return cloudfront(); },
    get quotas() { return quotas(); },
    get cloudwatch() { return cloudwatch(); },
    get autoscaling() { return autoscaling(); },
    get sns() { return sns(); },
    get backup() { return backup(); },
    get budgets() { return budgets(); },
    get ce() { return ce(); },
    get rds() { return rds(); },
    get elasticache() { return elasticache(); },
    /** Only the clients built so far: destroying must not build (and load) the others. */
    destroy() {
      for (const client of constructed) client.destroy();
    },
  };
}
