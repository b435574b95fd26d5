import { gunzipSync } from 'node:zlib';
import { DescribeInstanceAttributeCommand, DescribeInstancesCommand, DescribeVolumesCommand } from '@aws-sdk/client-ec2';
import { z } from 'zod';
import type { AwsClients } from '../aws/clients';
import { classifyAwsError, isNotFound } from '../aws/classify';
import { renderUserDataScript } from '../bootstrap/userdata';
import type { PlanFacts } from '../context';
import { LIVE_INSTANCE_STATES } from '../live';
import { publicUrlFrom } from '../resources/public-url';
import { architectureOf, stackConfigSchema, type StackConfig } from '../stack/config';
import { isGpuTier } from '../tiers';
import type { StackState } from '../state/schema';

/** A configuration change a redeploy does not carry out, because the instance is reused as EC2 runs it. */
export interface NotApplied {
  field: 'instanceType' | 'market' | 'rootVolumeGb' | 'imds' | 'ami' | 'bootstrap';
  /** What EC2 runs now, read back. */
  running: string;
  /** What the configuration asks for. */
  wanted: string;
  /** "instance type t3.xlarge → t3.large needs a replacement" */
  text: string;
}

export interface ReuseCheck {
  instanceId: string;
  notApplied: NotApplied[];
  /** The config to record: the requested one, except what the reused instance does not take (kept as it runs). */
  recordedConfig: StackConfig;
}

/** Config fields the UserData is rendered from: the instance runs it at first boot only. */
const BOOTSTRAP_FIELDS = ['services', 'ollamaModels', 'access', 'tier', 'cloudFront', 'certificateArn', 'os'] as const;
/** Of those, the ones that concern the instance alone, so the record keeps what it runs. */
const INSTANCE_ONLY_FIELDS = ['services', 'ollamaModels'] as const;

const instanceSchema = z.object({
  InstanceId: z.string(),
  InstanceType: z.string(),
  State: z.object({ Name: z.string() }),
  InstanceLifecycle: z.string().optional(),
  ImageId: z.string().optional(),
  RootDeviceName: z.string().optional(),
  BlockDeviceMappings: z.array(z.object({ DeviceName: z.string().optional(), Ebs: z.object({ VolumeId: z.string().optional() }).optional() })).optional(),
  MetadataOptions: z.object({ HttpTokens: z.string().optional(), HttpPutResponseHopLimit: z.number().optional() }).optional(),
});
type LiveInstance = z.infer<typeof instanceSchema>;

const volumesSchema = z.object({ Volumes: z.array(z.object({ Size: z.number() })).optional() });
const userDataSchema = z.object({ UserData: z.object({ Value: z.string().optional() }).optional() });

async function describeLive(clients: AwsClients, id: string, profile?: string): Promise<LiveInstance | undefined> {
  try {
    const out = await clients.ec2.send(new DescribeInstancesCommand({ InstanceIds: [id] }));
    const parsed = instanceSchema.safeParse(out.Reservations?.[0]?.Instances?.[0]);
    return parsed.success && LIVE_INSTANCE_STATES.includes(parsed.data.State.Name) ? parsed.data : undefined;
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw classifyAwsError(error, { profile });
  }
}

/** The root volume's size in GiB; undefined when it cannot be read (the check is then skipped, never guessed). */
async function rootVolumeGb(clients: AwsClients, instance: LiveInstance): Promise<number | undefined> {
  const volumeId = instance.BlockDeviceMappings?.find((m) => m.DeviceName === instance.RootDeviceName)?.Ebs?.VolumeId;
  if (!volumeId) return undefined;
  try {
    return volumesSchema.parse(await clients.ec2.send(new DescribeVolumesCommand({ VolumeIds: [volumeId] }))).Volumes?.[0]?.Size;
  } catch {
    return undefined;
  }
}

/** The bootstrap script the instance was launched with (UserData, gunzipped); undefined when unreadable. */
async function launchedScript(clients: AwsClients, id: string): Promise<string | undefined> {
  try {
    const value = userDataSchema.parse(await clients.ec2.send(new DescribeInstanceAttributeCommand({ InstanceId: id, Attribute: 'userData' }))).UserData?.Value;
    if (!value) return undefined;
    const bytes = Buffer.from(value, 'base64');
    return (bytes[0] === 0x1f && bytes[1] === 0x8b ? gunzipSync(bytes) : bytes).toString('utf8');
  } catch {
    return undefined;
  }
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** The script a launch would render now for `config` (the instance's own record left out: it did not exist at launch). */
function expectedScript(config: StackConfig, state: StackState, facts: PlanFacts): string | undefined {
  const fileSystemId = state.resources.efs?.status === 'created' ? state.resources.efs.id : undefined;
  if (!fileSystemId) return undefined;
  const resources = Object.fromEntries(Object.entries(state.resources).filter(([, record]) => record.kind !== 'instance'));
  try {
    return renderUserDataScript({
      config, region: config.region, fileSystemId, publicUrl: publicUrlFrom(config, resources),
      os: config.os ?? facts.os ?? 'al2023', architecture: architectureOf(config.instanceType), gpu: isGpuTier(config.tier),
    });
  } catch {
    return undefined;
  }
}

/**
 * Read-only, at plan time: the recorded instance as EC2 runs it, against the configuration. Every difference a
 * reuse leaves in place is listed (never recorded as applied); undefined when no live instance is reused.
 */
export async function checkInstanceReuse(clients: AwsClients, config: StackConfig, state: StackState | undefined, facts: PlanFacts & { amiName?: string }): Promise<ReuseCheck | undefined> {
  const record = state?.resources.instance;
  if (!state || record?.status !== 'created' || !record.id) return undefined;
  const live = await describeLive(clients, record.id, config.profile);
  if (!live) return undefined;
  const [volumeGb, script] = await Promise.all([rootVolumeGb(clients, live), launchedScript(clients, live.InstanceId)]);
  const notApplied: NotApplied[] = [];
  const recorded: StackConfig = structuredClone(config);
  const change = (field: NotApplied['field'], running: string, wanted: string, text: string) => notApplied.push({ field, running, wanted, text });

  if (live.InstanceType !== config.instanceType) {
    change('instanceType', live.InstanceType, config.instanceType, `instance type ${live.InstanceType} → ${config.instanceType} needs a replacement`);
    recorded.instanceType = live.InstanceType;
  }
  const market = live.InstanceLifecycle === 'spot' ? 'spot' : 'on-demand';
  // Spot that fell back to on-demand at launch is what the config allows, not a change.
  const fellBack = market === 'on-demand' && config.market === 'spot' && config.onDemandFallback && state.config.market === 'spot';
  if (market !== config.market && !fellBack) {
    change('market', market, config.market, `market ${market} → ${config.market} needs a replacement`);
    recorded.market = market;
  }
  const wantedGb = facts.rootVolumeGb ?? config.rootVolumeGb;
  if (volumeGb !== undefined && volumeGb !== wantedGb) {
    change('rootVolumeGb', `${volumeGb} GiB`, `${wantedGb} GiB`, `root volume ${volumeGb} GiB → ${wantedGb} GiB needs a replacement (it is not resized in place)`);
    if (Number.isInteger(volumeGb) && volumeGb >= 30 && volumeGb <= 2000) recorded.rootVolumeGb = volumeGb;
  }
  const tokens = live.MetadataOptions?.HttpTokens ?? 'unknown';
  const hops = live.MetadataOptions?.HttpPutResponseHopLimit;
  if (tokens !== 'required' || (hops !== undefined && hops !== 1)) {
    change('imds', `HttpTokens ${tokens}, hop limit ${hops ?? 'unknown'}`, 'HttpTokens required, hop limit 1',
      `IMDS HttpTokens ${tokens} (hop limit ${hops ?? 'unknown'}) → required (hop limit 1) needs a replacement`);
  }
  if (live.ImageId && live.ImageId !== facts.amiId) {
    change('ami', live.ImageId, facts.amiId, `AMI ${live.ImageId} → ${facts.amiId}${facts.amiName ? ` (${facts.amiName})` : ''} needs a replacement`);
    recorded.os = state.config.os;
    recorded.amiId = state.config.amiId;
    recorded.amiType = state.config.amiType;
  }
  const forBootstrap: StackConfig = { ...config, instanceType: recorded.instanceType, os: recorded.os };
  const expected = script === undefined ? undefined : expectedScript(forBootstrap, state, facts);
  if (expected !== undefined && expected !== script) {
    const fields = BOOTSTRAP_FIELDS.filter((field) => !same(config[field], state.config[field]));
    const what = fields.length > 0 ? fields.join(', ') : 'what GeuseMaker renders now differs from what the instance was launched with';
    change('bootstrap', 'the UserData it was launched with', fields.join(', ') || 'the current bootstrap', `bootstrap (${what}) runs at first boot only: needs a replacement`);
    for (const field of INSTANCE_ONLY_FIELDS) if (fields.includes(field)) Object.assign(recorded, { [field]: structuredClone(state.config[field]) });
  }
  // The record must still be a valid config (a revert could break a cross-field rule): then it stays the config
  // last applied, since a change not applied must never be recorded as applied.
  const valid = stackConfigSchema.safeParse(recorded);
  return { instanceId: live.InstanceId, notApplied, recordedConfig: valid.success ? valid.data : notApplied.length > 0 ? state.config : config };
}
