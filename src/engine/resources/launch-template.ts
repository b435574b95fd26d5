import {
  CreateLaunchTemplateCommand, CreateLaunchTemplateVersionCommand, DeleteLaunchTemplateCommand, DescribeLaunchTemplatesCommand,
  DescribeLaunchTemplateVersionsCommand, type RequestLaunchTemplateData,
} from '@aws-sdk/client-ec2';
import { createHash } from 'node:crypto';
import type { StepContext } from '../context';
import { isNotFound } from '../aws/classify';
import type { ScaleWiring } from '../bootstrap/input';
import { renderUserData } from '../bootstrap/userdata';
import { isGpuTier } from '../tiers';
import { tagValue, TAG_STACK_ID } from '../stack/naming';
import { ensureResource, onceOf, type Found } from './ensure';
import { ownedBy, tagSpec } from './ec2-tags';
import { actOnce } from './once';
import { publicUrlFrom } from './public-url';
import type { TeardownContext } from './teardown';

/** What the template's instances need from the steps before it. */
export interface TemplateInputs {
  groupId: string;
  fileSystemId: string;
  profileName: string;
  /** A scaled stack's shared services (queue mode). */
  scale?: ScaleWiring;
}

/** The template the group launches from: its id and the version that holds this deploy's settings. */
export interface TemplateRef {
  id: string;
  version: string;
  /** The bootstrap this version's instances run (the script, and the UserData payload): an update pushes it in place. */
  bootstrap?: { script: string; payloadBase64: string };
}

function launchTemplateName(stack: string): string {
  return `gm-${stack}`;
}

/** Everything an instance is launched with. The market is the group's (its mixed-instances policy), never the template's. */
function templateData(ctx: StepContext, inputs: TemplateInputs): { data: RequestLaunchTemplateData; script: string } {
  // The OS variant follows the AMI plan.ts resolved; gpu stacks boot a Deep Learning AMI (NVIDIA driver present).
  // The images are the stack's pins, so a redeploy never changes them unless `upgrade` does.
  const userData = renderUserData({
    config: ctx.config, region: ctx.clients.region, fileSystemId: inputs.fileSystemId, publicUrl: publicUrlFrom(ctx.config, ctx.journal.state.resources),
    os: ctx.facts.os ?? 'al2023', architecture: ctx.facts.architecture, gpu: isGpuTier(ctx.config.tier),
    ...(inputs.scale ? { scale: inputs.scale } : {}),
  }, { images: ctx.facts.images });
  const data: RequestLaunchTemplateData = {
    ImageId: ctx.facts.amiId,
    // The group's overrides pick among the interchangeable types; this one is the first choice.
    InstanceType: ctx.config.instanceType as RequestLaunchTemplateData['InstanceType'],
    IamInstanceProfile: { Name: inputs.profileName },
    // A public address lets the SSM agent reach AWS without a NAT gateway; no inbound rule makes it reachable.
    // The subnet comes from the group (one per AZ).
    NetworkInterfaces: [{ DeviceIndex: 0, Groups: [inputs.groupId], AssociatePublicIpAddress: true, DeleteOnTermination: true }],
    // Hop limit 1: the IMDSv2 token's reply dies at the Docker bridge (a second hop), so no container gets the role's credentials.
    MetadataOptions: { HttpTokens: 'required', HttpEndpoint: 'enabled', HttpPutResponseHopLimit: 1 },
    BlockDeviceMappings: [{
      DeviceName: ctx.facts.rootDeviceName,
      Ebs: { VolumeSize: ctx.facts.rootVolumeGb ?? ctx.config.rootVolumeGb, VolumeType: 'gp3', Encrypted: true, DeleteOnTermination: true },
    }],
    UserData: userData.payload.toString('base64'),
    TagSpecifications: [
      ...tagSpec(ctx, 'instance', 'instance', `gm-${ctx.stack}`),
      ...tagSpec(ctx, 'volume', 'instance-root', `gm-${ctx.stack}-root`),
      ...tagSpec(ctx, 'network-interface', 'instance-eni', `gm-${ctx.stack}-eni`),
    ],
  };
  return { data, script: userData.script };
}

/** A fingerprint of the settings, so a redeploy with the same ones adds no version. */
export function fingerprint(data: RequestLaunchTemplateData): string {
  return createHash('sha256').update(JSON.stringify(data)).digest('hex').slice(0, 16);
}

async function describeTemplate(ctx: StepContext, id: string): Promise<Found | undefined> {
  try {
    const template = (await ctx.clients.ec2.send(new DescribeLaunchTemplatesCommand({ LaunchTemplateIds: [id] }))).LaunchTemplates?.[0];
    return template?.LaunchTemplateId ? { id: template.LaunchTemplateId, attrs: { latestVersion: String(template.LatestVersionNumber ?? 1) } } : undefined;
  } catch (error) {
    if (isNotFound(error) || /NotFound|does not exist/i.test(String((error as Error).message))) return undefined;
    throw error;
  }
}

/** Ours by our stack id; the name alone could be another stack's (name-preflight reports those first). */
async function findOurs(ctx: StepContext, key: string): Promise<Found | undefined> {
  const out = await ctx.clients.ec2.send(new DescribeLaunchTemplatesCommand({ Filters: ownedBy(ctx, key) }));
  const template = (out.LaunchTemplates ?? []).find((t) => tagValue(t.Tags, TAG_STACK_ID) === ctx.stackId);
  return template?.LaunchTemplateId ? { id: template.LaunchTemplateId, attrs: { latestVersion: String(template.LatestVersionNumber ?? 1) } } : undefined;
}

/** The fingerprint stored in a version's description (set by us on every version). */
async function versionFingerprint(ctx: StepContext, id: string, version: string): Promise<string | undefined> {
  const out = await ctx.clients.ec2.send(new DescribeLaunchTemplateVersionsCommand({ LaunchTemplateId: id, Versions: [version] }));
  return /fingerprint ([0-9a-f]{16})/.exec(out.LaunchTemplateVersions?.[0]?.VersionDescription ?? '')?.[1];
}

/**
 * The stack's launch template, with a version for exactly these settings: created on the first deploy, a new
 * version when the settings changed (the group then launches its next instance from it), the same one otherwise.
 */
export async function ensureLaunchTemplate(ctx: StepContext, inputs: TemplateInputs): Promise<{ ref: TemplateRef; outcome: 'created' | 'reused' | 'done'; detail: string }> {
  const { data, script } = templateData(ctx, inputs);
  return ensureTemplateVersion(ctx, { key: 'launch-template', name: launchTemplateName(ctx.stack), data, script });
}

/** One template (the stack's, or a worker pool's) at a version holding exactly `data`. */
export async function ensureTemplateVersion(
  ctx: StepContext, spec: { key: string; name: string; data: RequestLaunchTemplateData; script: string; attrs?: Record<string, string> },
): Promise<{ ref: TemplateRef; outcome: 'created' | 'reused' | 'done'; detail: string }> {
  const { key, name, data, script } = spec;
  const extra = spec.attrs ?? {};
  const bootstrap = { script, payloadBase64: data.UserData ?? '' };
  const print = fingerprint(data);
  const description = `GeuseMaker stack ${ctx.stack}, fingerprint ${print}`;
  const { found, outcome } = await ensureResource(ctx, {
    key, kind: 'launch-template',
    describe: (id) => describeTemplate(ctx, id),
    findOrphan: () => findOurs(ctx, key),
    create: async (token) => {
      const out = await ctx.clients.ec2.send(new CreateLaunchTemplateCommand({
        LaunchTemplateName: name, ClientToken: token, VersionDescription: description, LaunchTemplateData: data,
        TagSpecifications: tagSpec(ctx, 'launch-template', key, name),
      }));
      return { id: out.LaunchTemplate!.LaunchTemplateId!, attrs: { latestVersion: String(out.LaunchTemplate!.LatestVersionNumber ?? 1) } };
    },
  });
  const latest = found.attrs?.latestVersion ?? '1';
  if (outcome === 'created' || (await versionFingerprint(ctx, found.id, latest)) === print) {
    await ctx.journal.created(key, 'launch-template', found.id, { version: latest, fingerprint: print, ...extra });
    return { ref: { id: found.id, version: latest, bootstrap }, outcome, detail: `${found.id} version ${latest}` };
  }
  const token = `gm-${ctx.stack}-lt-${print}`;
  const { value: version } = await actOnce(onceOf(ctx), {
    send: async () => String((await ctx.clients.ec2.send(new CreateLaunchTemplateVersionCommand({
      LaunchTemplateId: found.id, ClientToken: token, VersionDescription: description, LaunchTemplateData: data,
    }))).LaunchTemplateVersion?.VersionNumber ?? ''),
    // A version with this fingerprint is the one a lost answer made.
    find: async () => {
      const versions = (await ctx.clients.ec2.send(new DescribeLaunchTemplateVersionsCommand({ LaunchTemplateId: found.id }))).LaunchTemplateVersions ?? [];
      const hit = versions.find((v) => v.VersionDescription?.includes(print));
      return hit?.VersionNumber !== undefined ? String(hit.VersionNumber) : undefined;
    },
  });
  await ctx.journal.created(key, 'launch-template', found.id, { version, fingerprint: print, ...extra });
  return { ref: { id: found.id, version, bootstrap }, outcome: 'done', detail: `${found.id} version ${version} (settings changed since version ${latest})` };
}

export async function deleteLaunchTemplates(ctx: TeardownContext, ids: readonly string[]): Promise<void> {
  for (const id of ids) {
    try {
      await ctx.clients.ec2.send(new DeleteLaunchTemplateCommand({ LaunchTemplateId: id }));
    } catch (error) {
      if (!isNotFound(error) && !/NotFound|does not exist/i.test(String((error as Error).message))) throw error;
    }
  }
}
