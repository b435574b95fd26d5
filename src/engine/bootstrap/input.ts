import type { StackConfig } from '../stack/config';
import type { WorkerPoolName } from '../stack/scale-config';

/** Where a scaled stack's shared services are: read back from AWS by the deploy steps, never from the config. */
export interface ScaleWiring {
  /** RDS's endpoint, or the main instance's own PostgreSQL (workers read its address from Parameter Store). */
  database: { host: string; port: number } | 'instance';
  /** ElastiCache's primary endpoint (TLS and an auth token), or Redis on the main instance. */
  queue: { host: string; port: number; tls: true } | 'instance';
  /** The internal load balancer in front of the Ollama workers, e.g. http://internal-gm-demo-int-1.us-east-1.elb.amazonaws.com:11434. */
  ollamaUrl?: string;
  /** The database's PostgreSQL is where n8n keeps its data now (false until the migration into RDS switched it). */
  databaseSwitched: boolean;
}

/** Everything the instance files are rendered from; no secret values, only where secrets live. */
export interface BootstrapInput {
  config: StackConfig;
  region: string;
  fileSystemId: string;
  /** Operating system of the AMI; the dev tier uses Amazon Linux 2023. */
  os: 'al2023' | 'ubuntu-22.04' | 'ubuntu-24.04';
  architecture: 'x86_64' | 'arm64';
  /** GPU stacks run on Deep Learning AMIs with the NVIDIA driver and container toolkit present. */
  gpu: boolean;
  /** Public URL of the stack (load balancer or CloudFront) when it has one. */
  publicUrl?: string;
  /** Queue mode: present when the config has `scale` and its data services exist. */
  scale?: ScaleWiring;
}

/** A worker pool's instance: only its pool's container, wired to the stack's shared services. */
export interface WorkerBootstrapInput extends Omit<BootstrapInput, 'publicUrl' | 'scale'> {
  pool: WorkerPoolName;
  scale: ScaleWiring;
  /**
   * The stack's public URL, as main has it (optional, added by the bootstrap): an n8n worker builds the resume URLs
   * of Wait nodes ($execution.resumeUrl) from WEBHOOK_URL, so it needs the same one as main.
   */
  publicUrl?: string;
}
