import { regional, type ListPriceQuery } from './list-price-queries';
import type { PriceFilter } from './price-list';

/*
 * Price List queries for a scaled stack's managed services, from the attribute names and values the public Price
 * List publishes: RDS instance hours by class ("Database Instance", usagetype [prefix-]InstanceUsage:<class>, Single-AZ),
 * RDS gp3 storage ("Database Storage", [prefix-]RDS:GP3-Storage; Multi-AZ storage is RDS:Multi-AZ-GP3-Storage), and
 * ElastiCache node hours by node type and engine ("Cache Instance", [prefix-]NodeUsage:<type>, cacheEngine Valkey).
 */

const term = (Field: string, Value: string): PriceFilter => ({ Type: 'TERM_MATCH', Field, Value });

/** The engine the stack's RDS instance runs, as the Price List names it. */
export const DATABASE_ENGINE = 'PostgreSQL';
/** The engine of the stack's replication group (redis-compatible), as the Price List names it. */
export const CACHE_ENGINE = 'Valkey';

/** One RDS for PostgreSQL Single-AZ instance hour of `instanceClass` (db.t4g.medium). */
export function databaseInstanceQuery(instanceClass: string, regionCode: string): ListPriceQuery {
  return {
    serviceCode: 'AmazonRDS',
    filters: [term('regionCode', regionCode), term('productFamily', 'Database Instance'), term('instanceType', instanceClass),
      term('databaseEngine', DATABASE_ENGINE), term('deploymentOption', 'Single-AZ')],
    // Leaves out Multi-AZ hours, I/O-Optimized hours and CPU credits, which share the product family.
    usagetype: regional(`InstanceUsage:${instanceClass}`), unit: 'Hrs', label: `RDS ${instanceClass} ${DATABASE_ENGINE} Single-AZ hour`,
  };
}

/** RDS gp3 storage of a Single-AZ PostgreSQL instance, per GB-month. */
export function databaseStorageQuery(regionCode: string): ListPriceQuery {
  return {
    serviceCode: 'AmazonRDS',
    filters: [term('regionCode', regionCode), term('productFamily', 'Database Storage'), term('volumeType', 'General Purpose-GP3'), term('databaseEngine', DATABASE_ENGINE)],
    usagetype: regional('RDS:GP3-Storage'), unit: 'GB-Mo', label: 'RDS gp3 storage (Single-AZ)',
  };
}

/** One ElastiCache node hour of `nodeType` (cache.t4g.small) running Valkey. */
export function cacheNodeQuery(nodeType: string, regionCode: string): ListPriceQuery {
  return {
    serviceCode: 'AmazonElastiCache',
    filters: [term('regionCode', regionCode), term('productFamily', 'Cache Instance'), term('instanceType', nodeType), term('cacheEngine', CACHE_ENGINE)],
    usagetype: regional(`NodeUsage:${nodeType}`), unit: 'Hrs', label: `ElastiCache ${nodeType} ${CACHE_ENGINE} node hour`,
  };
}
