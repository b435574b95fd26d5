import { DescribeRegionsCommand, DescribeTagsCommand } from '@aws-sdk/client-ec2';
import { paginateDescribeFileSystems } from '@aws-sdk/client-efs';
import { GetRoleCommand } from '@aws-sdk/client-iam';
import { DescribeParametersCommand } from '@aws-sdk/client-ssm';
import type { AwsClients } from '../aws/clients';
import { classifyAwsError, isNotFound } from '../aws/classify';
import { invalidInput } from '../errors';
import { AWS_REGIONS } from '../stack/regions';
import { names, tagValue, TAG_REGION, TAG_STACK } from '../stack/naming';

export interface LocatedStack {
  region: string;
  /** How the region was found, for the plan ("from its IAM role's tags", "by scanning 17 regions"). */
  how: string;
  /** False when nothing regional carries the name anywhere that could be read. */
  found: boolean;
}

export interface LocateOptions {
  name: string;
  /** A region the user gave (flag, env, config file); a default region is not one. */
  explicitRegion?: string;
  defaultRegion: string;
  clientsFor: (region: string) => AwsClients;
  /** How many regions are probed at once: few, so throttling (and the emulator) stay calm. */
  concurrency?: number;
}

/** The region the stack's global IAM role says it lives in (tagged since deploys carry geusemaker:region). */
async function roleRegion(clients: AwsClients, name: string): Promise<string | undefined> {
  try {
    const role = (await clients.iam.send(new GetRoleCommand({ RoleName: names.role(name) }))).Role;
    if (tagValue(role?.Tags, TAG_STACK) !== name) return undefined;
    return tagValue(role?.Tags, TAG_REGION);
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw classifyAwsError(error, { profile: clients.profile, stack: name });
  }
}

/** Whether anything regional (EC2, EFS, SSM parameters) carries the stack's name tag or path in this region. */
async function regionHasStack(clients: AwsClients, name: string): Promise<boolean> {
  const tags = await clients.ec2.send(new DescribeTagsCommand({
    Filters: [{ Name: 'key', Values: [TAG_STACK] }, { Name: 'value', Values: [name] }], MaxResults: 5,
  }));
  if ((tags.Tags ?? []).length > 0) return true;
  const parameters = await clients.ssm.send(new DescribeParametersCommand({
    ParameterFilters: [{ Key: 'Path', Option: 'Recursive', Values: [names.parameterPath(name).replace(/\/$/, '')] }], MaxResults: 10,
  }));
  if ((parameters.Parameters ?? []).length > 0) return true;
  for await (const page of paginateDescribeFileSystems({ client: clients.efs }, {})) {
    if ((page.FileSystems ?? []).some((fs) => tagValue(fs.Tags, TAG_STACK) === name && fs.LifeCycleState !== 'deleted')) return true;
  }
  return false;
}

async function enabledRegions(clients: AwsClients): Promise<string[]> {
  try {
    const out = await clients.ec2.send(new DescribeRegionsCommand({ AllRegions: false }));
    const known = new Set<string>(AWS_REGIONS);
    const regions = (out.Regions ?? []).map((r) => r.RegionName ?? '').filter((r) => known.has(r));
    return regions.length > 0 ? regions.sort() : [...AWS_REGIONS];
  } catch {
    // Without ec2:DescribeRegions, every region GeuseMaker knows is tried (disabled ones fail and are reported).
    return [...AWS_REGIONS];
  }
}

/**
 * Finds the region of a stack this machine has no state for: the region the user gave (checked against the
 * IAM role's tag), else the role's tag, else the one enabled region whose resources carry its name. Several
 * regions, or a given region that contradicts the role, are refused: guessing would destroy the wrong thing.
 */
export async function locateStack(options: LocateOptions): Promise<LocatedStack> {
  const { name } = options;
  const home = options.clientsFor(options.explicitRegion ?? options.defaultRegion);
  const tagged = await roleRegion(home, name);
  if (options.explicitRegion) {
    if (tagged && tagged !== options.explicitRegion) {
      throw invalidInput('REGION_MISMATCH',
        `Stack ${name} lives in ${tagged} (its IAM role ${names.role(name)} says so), not in ${options.explicitRegion} as given.`,
        `Run the command again with --region ${tagged}, or without --region to let it find the stack.`);
    }
    return { region: options.explicitRegion, how: 'the region given', found: true };
  }
  if (tagged) return { region: tagged, how: `from its IAM role ${names.role(name)}'s tags`, found: true };

  const regions = await enabledRegions(home);
  const hits: string[] = [];
  const unreadable: string[] = [];
  const queue = [...regions];
  const worker = async () => {
    for (let region = queue.shift(); region !== undefined; region = queue.shift()) {
      try {
        if (await regionHasStack(options.clientsFor(region), name)) hits.push(region);
      } catch {
        unreadable.push(region);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, options.concurrency ?? 2) }, worker));
  hits.sort();
  const skipped = unreadable.length > 0 ? `; ${unreadable.sort().join(', ')} could not be read` : '';
  if (hits.length > 1) {
    throw invalidInput('REGION_AMBIGUOUS',
      `Resources tagged for stack ${name} exist in ${hits.length} regions (${hits.join(', ')}), and this machine has no state saying which is its own.`,
      `Run the command again with --region <region>, one region at a time.`);
  }
  if (hits.length === 1) return { region: hits[0]!, how: `found by scanning ${regions.length} enabled regions${skipped}`, found: true };
  return { region: options.defaultRegion, how: `not found in any of ${regions.length} enabled regions${skipped}`, found: false };
}
