import { BACKUP_EFS_WARM_USD_PER_GB_MONTH } from './fallback-prices';
import type { PriceFilter } from './price-list';

/** The non-compute list prices an estimate needs, each from its own Price List product. */
export const LIST_ITEMS = [
  'ebsGp3', 'efsStandard', 'efsElasticRead', 'efsElasticWrite', 'publicIpv4', 'albHour', 'albLcu',
  'cloudFrontOutUs', 'cloudFrontOutEurope', 'cloudFrontHttpsUs', 'cloudFrontHttpsEurope', 'dataOut', 'backupEfsWarm',
] as const;
export type ListItem = (typeof LIST_ITEMS)[number];

export interface ListPriceQuery {
  serviceCode: string;
  /** Sent to GetProducts and checked again on every product that comes back. */
  filters: PriceFilter[];
  /**
   * usagetype carries a region prefix outside us-east-1 (EUW2-LoadBalancerUsage, EU-… for eu-west-1), so it
   * is matched here rather than sent as a TERM_MATCH filter.
   */
  usagetype?: RegExp;
  /** The price dimension's unit, matched exactly. */
  unit: string;
  /** Data out publishes the global free allowance as a $0 first tier in some versions; the estimate counts it apart. */
  skipFreeTier?: boolean;
  /** What the price is, for messages. */
  label: string;
}

const term = (Field: string, Value: string): PriceFilter => ({ Type: 'TERM_MATCH', Field, Value });

/** us-east-1 has no usagetype prefix, eu-west-1 uses "EU-", the others a code such as "EUW2-" or "APS3-". */
export const regional = (name: string) => new RegExp(`^(?:[A-Z]{3}\\d-|EU-)?${name.replace(/[.:]/g, (c) => `\\${c}`)}$`);

/**
 * Filters for each list price, from the attribute names and values the Price List publishes. CloudFront is
 * priced by edge region group, not by the stack's region: PriceClass_100 serves from the "United States"
 * (US, Canada, Mexico) and "Europe" (Europe, Israel) groups.
 */
export function listPriceQueries(regionCode: string): Record<ListItem, ListPriceQuery> {
  const inRegion = (...more: PriceFilter[]) => [term('regionCode', regionCode), ...more];
  const cloudFrontOut = (group: string, prefix: string): ListPriceQuery => ({
    serviceCode: 'AmazonCloudFront',
    filters: [term('transferType', 'CloudFront Outbound'), term('fromLocation', group), term('usagetype', `${prefix}-DataTransfer-Out-Bytes`)],
    unit: 'GB', label: `CloudFront data out (${group})`,
  });
  const cloudFrontHttps = (group: string, prefix: string): ListPriceQuery => ({
    serviceCode: 'AmazonCloudFront', filters: [term('usagetype', `${prefix}-Requests-Tier2-HTTPS`)], unit: 'Requests', label: `CloudFront HTTPS requests (${group})`,
  });
  const efsAccess = (accessType: 'Read' | 'Write'): ListPriceQuery => ({
    // Elastic throughput's per-GB read and write charges are published under storageClass "EFS Storage".
    serviceCode: 'AmazonEFS', filters: inRegion(term('productFamily', 'Storage'), term('storageClass', 'EFS Storage'), term('accessType', accessType)),
    unit: 'GB', label: `EFS elastic throughput ${accessType.toLowerCase()}s`,
  });
  return {
    ebsGp3: {
      serviceCode: 'AmazonEC2', filters: inRegion(term('productFamily', 'Storage'), term('volumeApiName', 'gp3'), term('locationType', 'AWS Region')),
      usagetype: regional('EBS:VolumeUsage.gp3'), unit: 'GB-Mo', label: 'EBS gp3 storage',
    },
    efsStandard: {
      serviceCode: 'AmazonEFS', filters: inRegion(term('productFamily', 'Storage'), term('storageClass', 'General Purpose')),
      usagetype: regional('TimedStorage-ByteHrs'), unit: 'GB-Mo', label: 'EFS Standard storage',
    },
    efsElasticRead: efsAccess('Read'),
    efsElasticWrite: efsAccess('Write'),
    publicIpv4: {
      serviceCode: 'AmazonVPC', filters: inRegion(term('group', 'VPCPublicIPv4Address')),
      // In use, not idle: ours is always attached to the running instance or load balancer.
      usagetype: regional('PublicIPv4:InUseAddress'), unit: 'Hrs', label: 'public IPv4 address',
    },
    albHour: {
      serviceCode: 'AWSELB', filters: inRegion(term('productFamily', 'Load Balancer-Application'), term('locationType', 'AWS Region')),
      usagetype: regional('LoadBalancerUsage'), unit: 'Hrs', label: 'Application Load Balancer hour',
    },
    albLcu: {
      serviceCode: 'AWSELB', filters: inRegion(term('productFamily', 'Load Balancer-Application'), term('locationType', 'AWS Region')),
      usagetype: regional('LCUUsage'), unit: 'LCU-Hrs', label: 'Application Load Balancer LCU-hour',
    },
    cloudFrontOutUs: cloudFrontOut('United States', 'US'),
    cloudFrontOutEurope: cloudFrontOut('Europe', 'EU'),
    cloudFrontHttpsUs: cloudFrontHttps('United States', 'US'),
    cloudFrontHttpsEurope: cloudFrontHttps('Europe', 'EU'),
    dataOut: {
      serviceCode: 'AmazonEC2',
      filters: [term('productFamily', 'Data Transfer'), term('transferType', 'AWS Outbound'), term('fromRegionCode', regionCode), term('toLocation', 'External')],
      usagetype: regional('DataTransfer-Out-Bytes'), unit: 'GB', skipFreeTier: true, label: 'data transfer out to the internet',
    },
    // Warm storage of EFS recovery points; the anchored pattern leaves out cold storage and logically air-gapped vaults (…-EFS-LAGV).
    backupEfsWarm: {
      serviceCode: 'AWSBackup', filters: inRegion(term('productFamily', 'AWS Backup Storage')),
      usagetype: regional('WarmStorage-ByteHrs-EFS'), unit: 'GB-Mo', label: 'AWS Backup warm storage (EFS)',
    },
  };
}

/** us-east-1 list prices for when the Price List cannot answer; every number from here is marked "estimated". */
export const BUNDLED_LIST_USD: Readonly<Record<ListItem, number>> = {
  ebsGp3: 0.08,
  efsStandard: 0.3,
  efsElasticRead: 0.03,
  efsElasticWrite: 0.06,
  publicIpv4: 0.005,
  albHour: 0.0225,
  albLcu: 0.008,
  cloudFrontOutUs: 0.085,
  cloudFrontOutEurope: 0.085,
  cloudFrontHttpsUs: 0.000001,
  cloudFrontHttpsEurope: 0.0000012,
  dataOut: 0.09,
  backupEfsWarm: BACKUP_EFS_WARM_USD_PER_GB_MONTH,
};
