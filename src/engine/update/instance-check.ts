import { createHash } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { DescribeInstanceAttributeCommand, DescribeInstancesCommand, DescribeVolumesCommand } from '@aws-sdk/client-ec2';
import { z } from 'zod';
import type { AwsClients } from '../aws/clients';
import { classifyAwsError, isNotFound } from '../aws/classify';
import { stackImages } from '../bootstrap/compose';
import { renderUserDataScript } from '../bootstrap/userdata';
import type { PlanFacts } from '../context';
import { LIVE_INSTANCE_STATES } from '../live';
import { publicUrlFrom } from '../resources/public-url';
import { scaleWiringFrom } from '../resources/scale-wiring-from';
import { architectureOf, type StackConfig } from '../stack/config';
import { isGpuTier } from '../tiers';
import type { StackState } from '../state/schema';
import { describeImageChange, imageChanges, renderedServices } from '../upgrade/images';

/** How the running instance differs from what the configuration asks for, read from EC2. */
export interface InstanceDifference {
  field: 'instanceType' | 'market' | 'rootVolumeGb' | 'imds' | 'ami' | 'bootstrap';
  /** What EC2 runs now, read back. */
  running: string;
  /** What the configuration asks for. */
  wanted: string;
  /** replace: only a new instance takes it (an instance refresh); in-place: the bootstrap is pushed to the running one. */
  how: 'replace' | 'in-place';
  /** "instance type t3.xlarge → t3.2xlarge" */
  text: string;
}

export interface InstanceCheck {
  instanceId: string;
  differences: InstanceDifference[];
}

/** Config fields the UserData is rendered from: a change to one of them changes what the instance must run. */
const BOOTSTRAP_FIELDS = ['services', 'ollamaModels', 'access', 'tier', 'cloudFront', 'certificateArn', 'os'] as const;

/** The sha256 of a bootstrap script: recorded on the instance when it is pushed to it in place. */
export function scriptDigest(script: string): string {
  return createHash('sha256').update(script).digest('hex').slice(0, 32);
}

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
export function expectedScript(config: StackConfig, state: StackState, facts: PlanFacts): string | undefined {
  const fileSystemId = state.resources.efs?.status === 'created' ? state.resources.efs.id : undefined;
  if (!fileSystemId) return undefined;
  const resources = Object.fromEntries(Object.entries(state.resources).filter(([, record]) => record.kind !== 'instance'));
  try {
    const scale = scaleWiringFrom(config, state);
    return renderUserDataScript({
      config, region: config.region, fileSystemId, publicUrl: publicUrlFrom(config, resources),
      os: config.os ?? facts.os ?? 'al2023', architecture: architectureOf(config.instanceType), gpu: isGpuTier(config.tier),
      ...(scale ? { scale } : {}),
    }, { images: facts.images });
  } catch {
    return undefined;
  }
}

/** Whether the instance runs this bootstrap: launched with it, or given it in place since (its digest is recorded). */
export async function runsBootstrap(clients: AwsClients, instanceId: string, pushedDigest: string | undefined, script: string): Promise<boolean | undefined> {
  if (pushedDigest) return pushedDigest === scriptDigest(script);
  const launched = await launchedScript(clients, instanceId);
  return launched === undefined ? undefined : launched === script;
}

/**
 * Read-only: the recorded instance as EC2 runs it, against the configuration. Every difference is listed with how
 * a deploy applies it (replacement or in place); undefined when there is no live instance to compare.
 */
export async function checkInstance(
  clients: AwsClients, config: StackConfig, state: StackState | undefined, facts: PlanFacts & { amiName?: string },
  options: { script?: string; launchedByThisDeploy?: boolean } = {},
): Promise<InstanceCheck | undefined> {
  const record = state?.resources.instance;
  if (!state || record?.status !== 'created' || !record.id) return undefined;
  const live = await describeLive(clients, record.id, config.profile);
  if (!live) return undefined;
  const differences: InstanceDifference[] = [];
  const differ = (field: InstanceDifference['field'], running: string, wanted: string, how: InstanceDifference['how'], text: string) => differences.push({ field, running, wanted, how, text });

  // Any of the group's interchangeable types is what the config asks for.
  const types = facts.instanceTypes?.length ? facts.instanceTypes : [config.instanceType];
  if (!types.includes(live.InstanceType)) differ('instanceType', live.InstanceType, config.instanceType, 'replace', `instance type ${live.InstanceType} → ${config.instanceType}`);
  const market = live.InstanceLifecycle === 'spot' ? 'spot' : 'on-demand';
  // Spot that fell back to on-demand at launch is what the config allows, not a change.
  const fellBack = market === 'on-demand' && config.market === 'spot' && config.onDemandFallback && state.config.market === 'spot';
  if (market !== config.market && !fellBack) differ('market', market, config.market, 'replace', `market ${market} → ${config.market}`);
  const wantedGb = facts.rootVolumeGb ?? config.rootVolumeGb;
  const volumeGb = await rootVolumeGb(clients, live);
  if (volumeGb !== undefined && volumeGb !== wantedGb) differ('rootVolumeGb', `${volumeGb} GiB`, `${wantedGb} GiB`, 'replace', `root volume ${volumeGb} GiB → ${wantedGb} GiB (not resized in place)`);
  const tokens = live.MetadataOptions?.HttpTokens ?? 'unknown';
  const hops = live.MetadataOptions?.HttpPutResponseHopLimit;
  // An instance this very deploy launched has its template's metadata options (AWS applies them at launch); only a
  // later hand change (ModifyInstanceMetadataOptions) can loosen them.
  if (!options.launchedByThisDeploy && (tokens !== 'required' || (hops !== undefined && hops !== 1))) {
    differ('imds', `HttpTokens ${tokens}, hop limit ${hops ?? 'unknown'}`, 'HttpTokens required, hop limit 1', 'replace', `IMDS HttpTokens ${tokens} (hop limit ${hops ?? 'unknown'}) → required (hop limit 1)`);
  }
  if (live.ImageId && live.ImageId !== facts.amiId) differ('ami', live.ImageId, facts.amiId, 'replace', `AMI ${live.ImageId} → ${facts.amiId}${facts.amiName ? ` (${facts.amiName})` : ''}`);
  // A replacement boots the new bootstrap anyway: the in-place push only matters when the instance is kept.
  if (!differences.some((d) => d.how === 'replace')) {
    const expected = options.script ?? expectedScript(config, state, facts);
    const runs = expected === undefined ? undefined : await runsBootstrap(clients, live.InstanceId, record.attrs.bootstrap || undefined, expected);
    if (runs === false) {
      const fields: string[] = BOOTSTRAP_FIELDS.filter((field) => !same(config[field], state.config[field]));
      // New images (an upgrade) are named with their versions: "images n8n 1.80.3 → 1.81.0".
      const images = imageChanges(stackImages(state.pins?.images), stackImages(facts.images), renderedServices(config, state.resources));
      if (images.length > 0) fields.push(`images ${images.map(describeImageChange).join(', ')}`);
      const what = fields.length > 0 ? fields.join(', ') : 'what GeuseMaker renders now';
      differ('bootstrap', 'its current compose and settings', what, 'in-place', `services and settings on the instance (${what}) updated in place`);
    }
  }
  return { instanceId: live.InstanceId, differences };
}
