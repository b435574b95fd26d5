import type { AwsClients } from './aws/clients';
import type { OsChoice, StackConfig } from './stack/config';
import type { Journal } from './state/journal';
import type { CommandRunner } from './ssm/run-command';
import type { StackOrigin } from './stack/naming';

/** How long the engine waits and how often it polls; tests and benchmarks scale these down. */
export interface EngineTiming {
  pollIntervalMs: number;
  fileSystemTimeoutMs: number;
  mountTargetTimeoutMs: number;
  instanceRunningTimeoutMs: number;
  instanceTerminatedTimeoutMs: number;
  /** A new instance profile is not usable by RunInstances for a while (AWS-REALITY.md). */
  profilePropagationTimeoutMs: number;
  /** DependencyViolation while ENIs linger, NotFound right after our own creates. */
  eventualConsistencyTimeoutMs: number;
  /** ALB provisioning → active, and a load balancer's deletion (minutes on real AWS). */
  loadBalancerTimeoutMs: number;
  /** RDS and ElastiCache: creating, stopping and deleting take 5–20 minutes on real AWS (default 40 min). */
  dataServiceTimeoutMs?: number;
  /** Override the stack's timeouts.targetHealthyMinutes / cloudFrontDeployedMinutes (benchmarks scale them). */
  targetHealthyTimeoutMs?: number;
  distributionDeployedTimeoutMs?: number;
  /** Benchmark comparison only: run the steps one at a time in a dependency-respecting order. */
  serialSteps?: boolean;
  /** How long an upgrade waits for every service to turn healthy before it rolls back (default 15 minutes). */
  upgradeHealthTimeoutMs?: number;
}

export const DEFAULT_TIMING: EngineTiming = {
  pollIntervalMs: 5_000,
  fileSystemTimeoutMs: 5 * 60_000,
  mountTargetTimeoutMs: 10 * 60_000,
  instanceRunningTimeoutMs: 10 * 60_000,
  instanceTerminatedTimeoutMs: 10 * 60_000,
  profilePropagationTimeoutMs: 2 * 60_000,
  eventualConsistencyTimeoutMs: 10 * 60_000,
  loadBalancerTimeoutMs: 15 * 60_000,
};

/** A worker pool's own image, where the instance's does not fit its types (a GPU, another architecture). */
export interface WorkerImage {
  amiId: string;
  rootDeviceName: string;
  os: OsChoice;
  architecture: 'x86_64' | 'arm64';
  gpu: boolean;
  rootSnapshotGb?: number;
}

/** Facts resolved read-only at plan time and used by the steps. */
export interface PlanFacts {
  accountId: string;
  architecture: 'x86_64' | 'arm64';
  amiId: string;
  /** The AMI's name as DescribeImages gives it, when it does. */
  amiName?: string;
  rootDeviceName: string;
  /**
   * The container images the bootstrap renders, by service: the stack's pins (the release's tested set for a new
   * stack, or what `upgrade` moves to). Absent in plans made before pins: the tested set.
   */
  images?: Record<string, string>;
  /** What the AMI runs (picks the bootstrap's install variant); al2023 when absent (plans made before it existed). */
  os?: OsChoice;
  /** How the AMI was found: the SSM parameter or name pattern, or the config's amiId. */
  amiSource?: string;
  /** Root volume size: the config's, raised to the image's root snapshot when that is larger. */
  rootVolumeGb?: number;
  /** The group's interchangeable types, the chosen one first (same vCPU, memory, GPU and architecture, offered in the zones). */
  instanceTypes?: string[];
  /** AZs (in preference order) that offer the instance type; the subnets follow this order. */
  zones: string[];
  /** Existing-network mode: the user's subnets that are in offered AZs, with their AZ. */
  existingSubnets?: { id: string; zone: string }[];
  /** Existing-network mode, automation/gpu: one public subnet per AZ (at least two AZs) for the load balancer. */
  loadBalancerSubnets?: string[];
  /** Scale: pools that boot another image than the instance (absent: they boot the instance's). */
  workerImages?: Partial<Record<'n8n' | 'ollama', WorkerImage>>;
}

/** What every step of one deploy shares: the stack, its plan facts, its journal. */
export interface StackContext {
  clients: AwsClients;
  config: StackConfig;
  stack: string;
  stackId: string;
  /** Tagged on everything created, so a same-named stack found later can say whose it is. */
  origin: StackOrigin;
  facts: PlanFacts;
  journal: Journal;
  timing: EngineTiming;
  /** Run Command on the stack's instance (an in-place update); absent where nothing runs on the instance. */
  runner?: CommandRunner;
  /** When this operation began (ISO, this machine's clock): an instance journaled since came from this deploy's template. */
  startedAt?: string;
}

/** A step's one channel back to the user, and its one cancellation signal. */
export interface StepReporter {
  readonly signal: AbortSignal | undefined;
  /** What the step waits for now (AWS provisioning, a retry); shown as progress. */
  waiting(what: string): void;
  /** A sentence the user should see (fallbacks taken, things kept); also kept in the journal. */
  note(message: string): Promise<void>;
}

/** What a step's code receives: the stack, and its own reporter. */
export interface StepContext extends StackContext {
  report: StepReporter;
}

/** What a deploy hands its graph: each step's reporter is made from this signal and note. */
export interface DeployContext extends StackContext {
  signal?: AbortSignal;
  note(message: string): Promise<void>;
}
