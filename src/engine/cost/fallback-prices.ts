/**
 * Bundled list prices for when live prices are not available (no Pricing API yet, offline, or denied):
 * AWS's published on-demand Linux prices in us-east-1, USD. Every number derived from this table is
 * marked "estimated"; other regions usually cost the same or up to about 30% more.
 */
export const FALLBACK_REGION = 'us-east-1';

export const ON_DEMAND_USD_PER_HOUR: Readonly<Record<string, number>> = {
  't3.medium': 0.0416, 't3.large': 0.0832, 't3.xlarge': 0.1664, 't3.2xlarge': 0.3328,
  't3a.large': 0.0752, 't3a.xlarge': 0.1504, 't3a.2xlarge': 0.3008,
  't4g.large': 0.0672, 't4g.xlarge': 0.1344, 't4g.2xlarge': 0.2688,
  'm5.large': 0.096, 'm5.xlarge': 0.192, 'm5.2xlarge': 0.384,
  'm6i.large': 0.096, 'm6i.xlarge': 0.192, 'm6i.2xlarge': 0.384,
  'm7i.large': 0.1008, 'm7i.xlarge': 0.2016, 'm7i.2xlarge': 0.4032,
  'm6g.xlarge': 0.154, 'm7g.large': 0.0816, 'm7g.xlarge': 0.1632, 'm7g.2xlarge': 0.3264,
  'c5.xlarge': 0.17, 'c6i.xlarge': 0.17, 'c7i.xlarge': 0.1785,
  // The worker pools' defaults (scale.n8nWorkers) and their Graviton counterparts.
  'c5.large': 0.085, 'c6i.large': 0.085, 'c7i.large': 0.08925, 'c6g.large': 0.068, 'c7g.large': 0.0725, 'm6g.large': 0.077,
  'r5.large': 0.126, 'r5.xlarge': 0.252, 'r6i.large': 0.126, 'r6i.xlarge': 0.252,
  'g4dn.xlarge': 0.526, 'g4dn.2xlarge': 0.752, 'g4dn.4xlarge': 1.204,
  'g5.xlarge': 1.006, 'g5.2xlarge': 1.212, 'g5.4xlarge': 1.624,
  'g6.xlarge': 0.8048, 'g6.2xlarge': 0.9776, 'g6e.xlarge': 1.861,
};

/** Published sizes of the bundled types, so `prices` can list them when AWS cannot be asked (GPU memory per GPU). */
export interface BundledSize {
  vcpus: number;
  memoryGiB: number;
  architecture: 'x86_64' | 'arm64';
  gpu?: { name: string; memoryGiB: number };
}

const x86 = (vcpus: number, memoryGiB: number): BundledSize => ({ vcpus, memoryGiB, architecture: 'x86_64' });
const arm = (vcpus: number, memoryGiB: number): BundledSize => ({ vcpus, memoryGiB, architecture: 'arm64' });
const gpu = (vcpus: number, memoryGiB: number, name: string, gpuGiB: number): BundledSize => ({ ...x86(vcpus, memoryGiB), gpu: { name, memoryGiB: gpuGiB } });

export const BUNDLED_SIZES: Readonly<Record<string, BundledSize>> = {
  't3.medium': x86(2, 4), 't3.large': x86(2, 8), 't3.xlarge': x86(4, 16), 't3.2xlarge': x86(8, 32),
  't3a.large': x86(2, 8), 't3a.xlarge': x86(4, 16), 't3a.2xlarge': x86(8, 32),
  't4g.large': arm(2, 8), 't4g.xlarge': arm(4, 16), 't4g.2xlarge': arm(8, 32),
  'm5.large': x86(2, 8), 'm5.xlarge': x86(4, 16), 'm5.2xlarge': x86(8, 32),
  'm6i.large': x86(2, 8), 'm6i.xlarge': x86(4, 16), 'm6i.2xlarge': x86(8, 32),
  'm7i.large': x86(2, 8), 'm7i.xlarge': x86(4, 16), 'm7i.2xlarge': x86(8, 32),
  'm6g.xlarge': arm(4, 16), 'm7g.large': arm(2, 8), 'm7g.xlarge': arm(4, 16), 'm7g.2xlarge': arm(8, 32),
  'c5.xlarge': x86(4, 8), 'c6i.xlarge': x86(4, 8), 'c7i.xlarge': x86(4, 8),
  'c5.large': x86(2, 4), 'c6i.large': x86(2, 4), 'c7i.large': x86(2, 4), 'c6g.large': arm(2, 4), 'c7g.large': arm(2, 4), 'm6g.large': arm(2, 8),
  'r5.large': x86(2, 16), 'r5.xlarge': x86(4, 32), 'r6i.large': x86(2, 16), 'r6i.xlarge': x86(4, 32),
  'g4dn.xlarge': gpu(4, 16, 'NVIDIA T4', 16), 'g4dn.2xlarge': gpu(8, 32, 'NVIDIA T4', 16), 'g4dn.4xlarge': gpu(16, 64, 'NVIDIA T4', 16),
  'g5.xlarge': gpu(4, 16, 'NVIDIA A10G', 24), 'g5.2xlarge': gpu(8, 32, 'NVIDIA A10G', 24), 'g5.4xlarge': gpu(16, 64, 'NVIDIA A10G', 24),
  'g6.xlarge': gpu(4, 16, 'NVIDIA L4', 24), 'g6.2xlarge': gpu(8, 32, 'NVIDIA L4', 24), 'g6e.xlarge': gpu(4, 32, 'NVIDIA L40S', 48),
};

/** gp3 storage, per GB-month. */
export const EBS_GP3_USD_PER_GB_MONTH = 0.08;
/** Every public IPv4 address, in use or not, since February 2024. */
export const PUBLIC_IPV4_USD_PER_HOUR = 0.005;
export const HOURS_PER_MONTH = 730;
/** EFS Standard storage, per GB-month. */
export const EFS_STANDARD_USD_PER_GB_MONTH = 0.3;
/** AWS Backup warm storage of EFS recovery points, per GB-month. */
export const BACKUP_EFS_WARM_USD_PER_GB_MONTH = 0.05;

/*
 * A scaled stack's managed services (us-east-1 list prices, estimated like the rest): RDS for PostgreSQL Single-AZ
 * instance hours, its gp3 storage and backup storage beyond the free allowance, and ElastiCache for Valkey node hours
 * (Valkey's node prices are 20% under Redis OSS's).
 */
export const RDS_POSTGRES_USD_PER_HOUR: Readonly<Record<string, number>> = {
  'db.t4g.micro': 0.016, 'db.t4g.small': 0.032, 'db.t4g.medium': 0.065, 'db.t4g.large': 0.129, 'db.t4g.xlarge': 0.258, 'db.t4g.2xlarge': 0.517,
  'db.t3.micro': 0.018, 'db.t3.small': 0.036, 'db.t3.medium': 0.072, 'db.t3.large': 0.145, 'db.t3.xlarge': 0.29,
  'db.m6g.large': 0.159, 'db.m6g.xlarge': 0.318, 'db.m7g.large': 0.168, 'db.m7g.xlarge': 0.337,
  'db.m5.large': 0.178, 'db.m6i.large': 0.178, 'db.r6g.large': 0.225, 'db.r7g.large': 0.239, 'db.r5.large': 0.25, 'db.r6i.large': 0.25,
};
/** RDS gp3 storage (Single-AZ), per GB-month. */
export const RDS_GP3_USD_PER_GB_MONTH = 0.115;
/** RDS backup storage beyond the free allowance (as much as the database's allocated storage), per GB-month. */
export const RDS_BACKUP_USD_PER_GB_MONTH = 0.095;
export const ELASTICACHE_VALKEY_USD_PER_HOUR: Readonly<Record<string, number>> = {
  'cache.t4g.micro': 0.0128, 'cache.t4g.small': 0.0256, 'cache.t4g.medium': 0.052,
  'cache.t3.micro': 0.0136, 'cache.t3.small': 0.0272, 'cache.t3.medium': 0.0544,
  'cache.m6g.large': 0.1192, 'cache.m7g.large': 0.1264, 'cache.r6g.large': 0.1648, 'cache.r7g.large': 0.1752,
};
/** EC2 detailed monitoring (1-minute metrics, which target tracking on worker pools uses): about 7 metrics at $0.30 each a month. */
export const DETAILED_MONITORING_USD_PER_INSTANCE_MONTH = 2.1;
