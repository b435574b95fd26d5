import { DescribeAutoScalingGroupsCommand } from '@aws-sdk/client-auto-scaling';
import { DescribeLaunchTemplateVersionsCommand, type Instance, type ResponseLaunchTemplateData } from '@aws-sdk/client-ec2';
import { createClients, type AwsClients, type ClientInstrument } from '../../src/engine/aws/clients';

type Tagged = { Tags?: { Key?: string; Value?: string }[] };
const tag = (item: Tagged, key: string) => item.Tags?.find((t) => t.Key === key)?.Value;

/**
 * EC2 as it describes an instance an Auto Scaling group launched from a launch template, where moto is lenient:
 * moto launches it without the template's metadata options and with a root device of its own, and never as spot.
 * Real EC2 applies the template (IMDS, root device) and the group's market. Applied to DescribeInstances answers
 * for instances tagged with the template they came from; reads go through a separate, uninstrumented client.
 */
export function launchRealism(endpoint: string): ClientInstrument {
  const readers = new Map<string, AwsClients>();
  const readerFor = (region: string): AwsClients => {
    let reader = readers.get(region);
    if (!reader) readers.set(region, (reader = createClients({ region, endpoint, maxAttempts: 3 })));
    return reader;
  };
  const templates = new Map<string, Promise<ResponseLaunchTemplateData | undefined>>();
  const templateData = (region: string, id: string, version: string) => {
    const key = `${id}:${version}`;
    let found = templates.get(key);
    if (!found) {
      found = readerFor(region).ec2.send(new DescribeLaunchTemplateVersionsCommand({ LaunchTemplateId: id, Versions: [version] }))
        .then((out) => out.LaunchTemplateVersions?.[0]?.LaunchTemplateData, () => undefined);
      templates.set(key, found);
    }
    return found;
  };
  const groupIsSpot = async (region: string, name: string) => {
    const group = (await readerFor(region).autoscaling.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [name] })).catch(() => undefined))?.AutoScalingGroups?.[0];
    return group?.MixedInstancesPolicy?.InstancesDistribution?.OnDemandPercentageAboveBaseCapacity === 0;
  };
  return (client, service) => {
    if (service !== 'ec2') return;
    client.middlewareStack.add((next, context) => async (args) => {
      const result = await next(args);
      if ((context as { commandName?: string }).commandName !== 'DescribeInstancesCommand') return result;
      const region = await (client as unknown as { config: { region: () => Promise<string> } }).config.region();
      const output = result.output as { Reservations?: { Instances?: Instance[] }[] };
      for (const instance of (output.Reservations ?? []).flatMap((r) => r.Instances ?? [])) {
        const id = tag(instance, 'aws:ec2launchtemplate:id');
        const version = tag(instance, 'aws:ec2launchtemplate:version');
        if (!id || !version) continue;
        const data = await templateData(region, id, version);
        // moto's own launch default; anything else was set since (ModifyInstanceMetadataOptions) and is left as EC2 has it.
        const motoDefault = instance.MetadataOptions?.HttpTokens === 'optional' && (instance.MetadataOptions.HttpPutResponseHopLimit ?? 1) === 1;
        if (data?.MetadataOptions && motoDefault) {
          instance.MetadataOptions = { ...instance.MetadataOptions, HttpTokens: data.MetadataOptions.HttpTokens, HttpPutResponseHopLimit: data.MetadataOptions.HttpPutResponseHopLimit };
        }
        const device = data?.BlockDeviceMappings?.[0]?.DeviceName;
        if (device && instance.BlockDeviceMappings?.some((m) => m.DeviceName === device)) instance.RootDeviceName = device;
        const group = tag(instance, 'aws:autoscaling:groupName');
        if (group && !instance.InstanceLifecycle && await groupIsSpot(region, group)) instance.InstanceLifecycle = 'spot';
      }
      return result;
    }, { step: 'initialize', name: 'geusemakerLaunchRealism' });
  };
}
