import type { StackConfig } from '../stack/config';

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
}
