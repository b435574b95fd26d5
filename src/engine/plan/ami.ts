import { DescribeImagesCommand, DescribeInstancesCommand, DescribeLaunchTemplateVersionsCommand } from '@aws-sdk/client-ec2';
import { GetParameterCommand, paginateGetParametersByPath } from '@aws-sdk/client-ssm';
import { z } from 'zod';
import type { AwsClients } from '../aws/clients';
import { awsErrorCode, classifyAwsError } from '../aws/classify';
import { GeuseError, invalidInput } from '../errors';
import type { AmiType, OsChoice, StackConfig } from '../stack/config';
import type { StackState } from '../state/schema';
import { isGpuTier } from '../tiers';

export type Architecture = 'x86_64' | 'arm64';

/** Where an image comes from: AWS's public SSM parameter, and a DescribeImages name pattern when a region lacks it. */
export interface ImageSource {
  description: string;
  /** The parameter to read; for versioned images, the shape of their names (with <version>) for messages. */
  parameter: string;
  owner: string;
  namePattern: string;
  /** Images published once per framework version: search this path for names matching, highest version wins. */
  versioned?: { path: string; pattern: RegExp };
}

export interface ResolvedAmi {
  amiId: string;
  name?: string;
  rootDeviceName: string;
  /** Size of the image's root snapshot: the root volume may not be smaller (Deep Learning AMIs need 75 GiB or more). */
  rootSnapshotGb?: number;
  os: OsChoice;
  /** pinned: the AMI the stack was pinned to at its first deploy (or by its last upgrade). */
  source: 'ssm-parameter' | 'name-pattern' | 'override' | 'pinned';
  /** The parameter or name pattern it was found by. */
  via?: string;
}

const CANONICAL_OWNER = '099720109477';
const OS_LABEL: Record<OsChoice, string> = { 'al2023': 'Amazon Linux 2023', 'ubuntu-22.04': 'Ubuntu 22.04', 'ubuntu-24.04': 'Ubuntu 24.04' };
const DLAMI_OS_SLUG: Record<OsChoice, string> = { 'al2023': 'amazon-linux-2023', 'ubuntu-22.04': 'ubuntu-22.04', 'ubuntu-24.04': 'ubuntu-24.04' };

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The image a stack boots: plain OS images for CPU tiers, AWS Deep Learning AMIs (NVIDIA driver, container toolkit) for gpu. */
export function imageSource(os: OsChoice, architecture: Architecture, gpu: boolean, amiType: AmiType = 'base'): ImageSource {
  const ubuntuArch = architecture === 'arm64' ? 'arm64' : 'amd64';
  if (gpu) {
    const arm = architecture === 'arm64' ? 'ARM64 ' : '';
    if (amiType === 'pytorch') {
      // AWS publishes a PyTorch DLAMI per PyTorch version and stops patching old ones: never pin a version.
      const path = `/aws/service/deeplearning/ami/${architecture}`;
      return {
        description: `Deep Learning OSS Nvidia Driver AMI GPU PyTorch (${OS_LABEL[os]}, ${architecture})`,
        parameter: `${path}/oss-nvidia-driver-gpu-pytorch-<version>-${DLAMI_OS_SLUG[os]}/latest/ami-id`,
        owner: 'amazon',
        namePattern: `Deep Learning ${arm}OSS Nvidia Driver AMI GPU PyTorch * (${OS_LABEL[os]}) *`,
        versioned: { path, pattern: new RegExp(`/oss-nvidia-driver-gpu-pytorch-(\\d+)\\.(\\d+)-${escapeRegExp(DLAMI_OS_SLUG[os])}/latest/ami-id$`) },
      };
    }
    return {
      description: `Deep Learning Base OSS Nvidia Driver GPU AMI (${OS_LABEL[os]}, ${architecture})`,
      parameter: `/aws/service/deeplearning/ami/${architecture}/base-oss-nvidia-driver-gpu-${DLAMI_OS_SLUG[os]}/latest/ami-id`,
      owner: 'amazon',
      namePattern: `Deep Learning ${arm}Base OSS Nvidia Driver GPU AMI (${OS_LABEL[os]}) *`,
    };
  }
  if (os === 'ubuntu-22.04') {
    return {
      description: `Ubuntu 22.04 (${architecture})`,
      parameter: `/aws/service/canonical/ubuntu/server/22.04/stable/current/${ubuntuArch}/hvm/ebs-gp2/ami-id`,
      owner: CANONICAL_OWNER,
      namePattern: `ubuntu/images/hvm-ssd/ubuntu-jammy-22.04-${ubuntuArch}-server-*`,
    };
  }
  if (os === 'ubuntu-24.04') {
    return {
      description: `Ubuntu 24.04 (${architecture})`,
      parameter: `/aws/service/canonical/ubuntu/server/24.04/stable/current/${ubuntuArch}/hvm/ebs-gp3/ami-id`,
      owner: CANONICAL_OWNER,
      namePattern: `ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-${ubuntuArch}-server-*`,
    };
  }
  return {
    description: `Amazon Linux 2023 (${architecture})`,
    parameter: `/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-${architecture}`,
    owner: 'amazon',
    namePattern: `al2023-ami-2023.*-kernel-*-${architecture}`,
  };
}

const imageSchema = z.object({
  ImageId: z.string(),
  Name: z.string().optional(),
  CreationDate: z.string().optional(),
  Architecture: z.string().optional(),
  State: z.string().optional(),
  RootDeviceName: z.string().optional(),
  BlockDeviceMappings: z.array(z.object({ DeviceName: z.string().optional(), Ebs: z.object({ VolumeSize: z.number().optional() }).optional() })).optional(),
});
type Image = z.infer<typeof imageSchema>;

function parseImages(raw: unknown[] | undefined): Image[] {
  return (raw ?? []).flatMap((image) => {
    const parsed = imageSchema.safeParse(image);
    return parsed.success ? [parsed.data] : [];
  });
}

function rootSnapshotGb(image: Image): number | undefined {
  return image.BlockDeviceMappings?.find((m) => m.DeviceName === image.RootDeviceName)?.Ebs?.VolumeSize;
}

async function describeImage(clients: AwsClients, amiId: string, profile?: string): Promise<Image | undefined> {
  try {
    return parseImages((await clients.ec2.send(new DescribeImagesCommand({ ImageIds: [amiId] }))).Images)[0];
  } catch (error) {
    if (awsErrorCode(error)?.startsWith('InvalidAMIID')) return undefined;
    throw classifyAwsError(error, { profile });
  }
}

async function fromParameter(clients: AwsClients, parameter: string, profile?: string): Promise<string | undefined> {
  try {
    return (await clients.ssm.send(new GetParameterCommand({ Name: parameter }))).Parameter?.Value || undefined;
  } catch (error) {
    // Public parameters are published per region and not everywhere: a missing one sends us to the name pattern.
    if (awsErrorCode(error) === 'ParameterNotFound') return undefined;
    throw classifyAwsError(error, { profile });
  }
}

const parameterSchema = z.object({ Name: z.string(), Value: z.string() });

/** Among the parameters under the path, the one for the highest version (compared as numbers: 2.10 > 2.9). */
async function highestVersionParameter(clients: AwsClients, versioned: NonNullable<ImageSource['versioned']>, profile?: string): Promise<{ name: string; value: string } | undefined> {
  const found: { name: string; value: string; major: number; minor: number }[] = [];
  try {
    for await (const page of paginateGetParametersByPath({ client: clients.ssm }, { Path: versioned.path, Recursive: true })) {
      for (const raw of page.Parameters ?? []) {
        const parsed = parameterSchema.safeParse(raw);
        const match = parsed.success ? versioned.pattern.exec(parsed.data.Name) : null;
        if (parsed.success && match && parsed.data.Value) found.push({ name: parsed.data.Name, value: parsed.data.Value, major: Number(match[1]), minor: Number(match[2]) });
      }
    }
  } catch (error) {
    throw classifyAwsError(error, { profile });
  }
  return found.sort((a, b) => b.major - a.major || b.minor - a.minor)[0];
}

/** Newest available image of the owner whose name matches, by CreationDate (ISO 8601, so text order is time order). */
async function newestByName(clients: AwsClients, source: ImageSource, architecture: Architecture, profile?: string): Promise<Image | undefined> {
  let images: Image[];
  try {
    images = parseImages((await clients.ec2.send(new DescribeImagesCommand({
      Owners: [source.owner],
      Filters: [{ Name: 'name', Values: [source.namePattern] }, { Name: 'state', Values: ['available'] }, { Name: 'architecture', Values: [architecture] }],
    }))).Images);
  } catch (error) {
    throw classifyAwsError(error, { profile });
  }
  return images.sort((a, b) => (b.CreationDate ?? '').localeCompare(a.CreationDate ?? ''))[0];
}

function resolved(image: Image, os: OsChoice, source: ResolvedAmi['source'], via?: string): ResolvedAmi {
  return { amiId: image.ImageId, name: image.Name, rootDeviceName: image.RootDeviceName ?? '/dev/xvda', rootSnapshotGb: rootSnapshotGb(image), os, source, via };
}

/** The user's own AMI: it must exist in the region, be available and match the instance type's architecture. */
async function overrideAmi(clients: AwsClients, config: StackConfig, amiId: string, architecture: Architecture, os: OsChoice): Promise<ResolvedAmi> {
  const image = await describeImage(clients, amiId, config.profile);
  if (!image) {
    throw invalidInput('AMI_NOT_FOUND', `amiId: ${amiId} does not exist in ${config.region}, or this account may not use it.`,
      `Check the id and region (AMI ids differ per region), or remove amiId to use the ${imageSource(os, architecture, isGpuTier(config.tier), config.amiType).description}.`);
  }
  if (image.State && image.State !== 'available') {
    throw invalidInput('AMI_NOT_AVAILABLE', `amiId: ${amiId} is ${image.State}, not available.`, 'Wait until the image is available or choose another.');
  }
  if (image.Architecture && image.Architecture !== architecture) {
    throw invalidInput('AMI_ARCHITECTURE', `amiId: ${amiId} is a ${image.Architecture} image, but ${config.instanceType} runs ${architecture}.`,
      `Choose an ${architecture} image or an instance type of the image's architecture.`);
  }
  return resolved(image, os, 'override', amiId);
}

/**
 * The stack's AMI, read-only: the explicit amiId when set; else AWS's public SSM parameter for the OS,
 * architecture and (gpu) Deep Learning AMI type; else the newest image matching the documented name pattern.
 */
export async function resolveAmi(clients: AwsClients, config: StackConfig, architecture: Architecture): Promise<ResolvedAmi> {
  const os = config.os ?? 'al2023';
  if (config.amiId) return overrideAmi(clients, config, config.amiId, architecture, os);
  const source = imageSource(os, architecture, isGpuTier(config.tier), config.amiType);
  const parameter = source.versioned
    ? await highestVersionParameter(clients, source.versioned, config.profile)
    : await fromParameter(clients, source.parameter, config.profile).then((value) => (value ? { name: source.parameter, value } : undefined));
  if (parameter) {
    const image = await describeImage(clients, parameter.value, config.profile);
    return image ? resolved(image, os, 'ssm-parameter', parameter.name) : { amiId: parameter.value, rootDeviceName: '/dev/xvda', os, source: 'ssm-parameter', via: parameter.name };
  }
  const newest = await newestByName(clients, source, architecture, config.profile);
  if (newest) return resolved(newest, os, 'name-pattern', source.namePattern);
  throw new GeuseError({
    code: 'AMI_NOT_FOUND', kind: 'not-found',
    message: `No ${source.description} in ${config.region}: ${source.versioned ? `no SSM parameter under ${source.versioned.path} is named like ${source.parameter}` : `the SSM parameter ${source.parameter} does not exist there`} and no image owned by ${source.owner} matches "${source.namePattern}".`,
    nextStep: 'Choose another region or os, or set amiId to an image you know works in this region.',
  });
}

/**
 * A pinned AMI as DescribeImages says it is now: undefined when it no longer exists or is no longer available
 * (its publisher deregistered it), so no new instance can boot from it.
 */
export async function describePinnedAmi(clients: AwsClients, amiId: string, os: OsChoice, since: string | undefined, profile?: string): Promise<ResolvedAmi | undefined> {
  const image = await describeImage(clients, amiId, profile);
  if (!image || (image.State && image.State !== 'available')) return undefined;
  return resolved(image, os, 'pinned', since ? `since ${since}` : 'what the stack runs');
}

const templateVersionSchema = z.object({
  LaunchTemplateData: z.object({
    ImageId: z.string().optional(),
    BlockDeviceMappings: z.array(z.object({ DeviceName: z.string().optional(), Ebs: z.object({ VolumeSize: z.number().optional() }).optional() })).optional(),
  }).optional(),
});

/** What the stack's instances boot now, read from EC2: the image of the launch template version it journaled. */
export interface LaunchedImage {
  amiId: string;
  rootDeviceName?: string;
  rootVolumeGb?: number;
  /** Where it was read: the launch template version, or the instance itself (a stack from before groups). */
  from: 'launch-template' | 'instance';
}

/**
 * The AMI a stack deployed before pins existed runs: its launch template version's, else its instance's.
 * Undefined when neither is recorded or readable (the stack then takes the newest of its family, as a new one).
 */
export async function launchedImage(clients: AwsClients, state: StackState): Promise<LaunchedImage | undefined> {
  const template = state.resources['launch-template'];
  if (template?.status === 'created' && template.id) {
    try {
      const out = await clients.ec2.send(new DescribeLaunchTemplateVersionsCommand({ LaunchTemplateId: template.id, Versions: [template.attrs.version ?? '$Latest'] }));
      const data = templateVersionSchema.safeParse(out.LaunchTemplateVersions?.[0]).data?.LaunchTemplateData;
      if (data?.ImageId) {
        const root = data.BlockDeviceMappings?.[0];
        return { amiId: data.ImageId, rootDeviceName: root?.DeviceName, rootVolumeGb: root?.Ebs?.VolumeSize, from: 'launch-template' };
      }
    } catch (error) {
      if (!/NotFound|does not exist/i.test(`${awsErrorCode(error) ?? ''} ${(error as Error).message}`)) throw classifyAwsError(error, { profile: state.config.profile });
    }
  }
  const instance = state.resources.instance;
  if (instance?.status === 'created' && instance.id) {
    try {
      const out = await clients.ec2.send(new DescribeInstancesCommand({ InstanceIds: [instance.id] }));
      const imageId = out.Reservations?.[0]?.Instances?.[0]?.ImageId;
      if (imageId) return { amiId: imageId, from: 'instance' };
    } catch (error) {
      if (!awsErrorCode(error)?.startsWith('InvalidInstanceID')) throw classifyAwsError(error, { profile: state.config.profile });
    }
  }
  return undefined;
}
