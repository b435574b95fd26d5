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
  'r5.large': 0.126, 'r5.xlarge': 0.252, 'r6i.large': 0.126, 'r6i.xlarge': 0.252,
  'g4dn.xlarge': 0.526, 'g4dn.2xlarge': 0.752, 'g4dn.4xlarge': 1.204,
  'g5.xlarge': 1.006, 'g5.2xlarge': 1.212, 'g5.4xlarge': 1.624,
  'g6.xlarge': 0.8048, 'g6.2xlarge': 0.9776, 'g6e.xlarge': 1.861,
};

/** gp3 storage, per GB-month. */
export const EBS_GP3_USD_PER_GB_MONTH = 0.08;
/** Every public IPv4 address, in use or not, since February 2024. */
export const PUBLIC_IPV4_USD_PER_HOUR = 0.005;
export const HOURS_PER_MONTH = 730;
/** EFS Standard storage, per GB-month. */
export const EFS_STANDARD_USD_PER_GB_MONTH = 0.3;
