/**
 * The engine's public surface: the CLI and the extension import only from here (lint-enforced).
 * Anything else under src/engine is internal and may move.
 */

export { ENDPOINT_EXAMPLE, classifyAwsError, classifyIfAws } from './aws/classify';
export { DEFAULT_MAX_ATTEMPTS } from './aws/clients';
export type { ClientInstrument } from './aws/clients';
export { endpointUrlSchema, explainEndpoint, resolveEndpoint } from './aws/endpoint';
export type { ResolvedEndpoint } from './aws/endpoint';
export { listAwsProfiles } from './aws/profiles';
export { instanceFiles, previewOs } from './bootstrap/preview';
export type { BootstrapStatus } from './bootstrap/status';
export type { EngineTiming } from './context';
export { bundledPlacements } from './cost/bundled-placements';
export { estimateMonthly } from './cost/estimate';
export type { EstimateLine, MonthlyEstimate } from './cost/estimate';
export { FALLBACK_REGION, HOURS_PER_MONTH, ON_DEMAND_USD_PER_HOUR } from './cost/fallback-prices';
export { estimateHourly, formatHourly } from './cost/hourly';
export type { HourlyEstimate } from './cost/hourly';
export { DEFAULT_SPOT_MIN_SAVING } from './cost/placement';
export type { Placement } from './cost/placement';
export { describeSource } from './cost/prices';
export type { PriceSource } from './cost/prices';
export type { CostPoint } from './cost/series';
export { budgetStatus, startOfMonth } from './cost/to-date';
export type { BudgetStatus, CostToDate } from './cost/to-date';
export type { DestroyPlan } from './destroy';
export type { InstanceTypeInfo } from './discovery/instance-types';
export type { DiscoveredVpc } from './discovery/networks';
export type { CallerIdentity } from './discovery/identity';
export { Engine } from './engine';
export type { OperationOptions } from './engine';
export { GeuseError, exitCodeFor, invalidInput, refused, stackNotFound } from './errors';
export { CATALOGUE, publicServiceUrl, servicesOf } from './health/catalogue';
export type { CatalogueService, ServiceSpec } from './health/catalogue';
export { publicUrlOf } from './operate';
export type { StackHealth } from './operate';
export type { DeployPlan } from './plan/plan';
export { OUTCOME_WORDS, listingJson, renderDeploySummary, renderDestroyPlan, renderDestroySummary, renderError, renderList, renderPlan, renderShow, seconds, shellQuote, table } from './present/text';
export type { ProgressEvent } from './progress';
export { bootstrapCursor, containerCursor } from './ssm/log-cursor';
export type { LogChunk, LogCursor } from './ssm/log-cursor';
export { findPlugin, pluginInvocation } from './ssm/plugin';
export { freeLocalPort } from './ssm/ports';
export { replayFromFile } from './ssm/replay';
export { TIERS, architectureOf, stackConfigSchema, stackNameSchema, usesCloudFront } from './stack/config';
export type { StackConfig, StackConfigInput, Tier } from './stack/config';
export { CONFIG_FILE_NAMES, findConfigFile, loadStackConfig, parseConfigFile } from './stack/load';
export { OLLAMA_MODELS } from './stack/models';
export { AWS_REGIONS } from './stack/regions';
export { sampleConfigYaml } from './stack/sample';
export { DEFAULT_INSTANCE_TYPE, DEFAULT_TIER, TIER_TABLE, cloudFrontIsAlways, cloudFrontIsChoice, hasCloudFront, isGpuTier, isLoadBalanced, tierNames, tiersWhere } from './tiers';
export type { AccessMode, CloudFrontRule, TierSpec } from './tiers';
export { MachineIndex } from './state/index-file';
export { defaultStateDir, geusemakerHome } from './state/paths';
export type { ResourceKind, ResourceRecord, StackState, StackStatus } from './state/schema';
export { checkStateDir, stateDirError } from './state/state-dir';
export type { StateDirOrigin } from './state/state-dir';
