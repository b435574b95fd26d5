import { refused } from '../errors';
import type { StackConfig } from '../stack/config';
import type { StackState } from '../state/schema';

function networkWords(config: StackConfig): string {
  const network = config.network;
  return network.mode === 'new' ? 'a new VPC of its own' : `VPC ${network.vpcId} (subnets ${network.subnetIds.join(', ')})`;
}

/**
 * Moving a running stack to another network is refused, with the steps that do it safely: an EFS file system has
 * mount targets in one VPC at a time, and the instance, groups and load balancer all live in the subnets. Done in
 * place, a failure half-way would leave the data reachable from neither network; destroy (which keeps the data)
 * and a deploy into the new network do it with every step checked.
 */
export function refuseNetworkChange(state: StackState, wanted: StackConfig): void {
  if (JSON.stringify(state.config.network) === JSON.stringify(wanted.network)) return;
  const name = state.name;
  throw refused('NETWORK_CHANGE_REFUSED',
    `network: stack ${name} runs in ${networkWords(state.config)}; this configuration asks for ${networkWords(wanted)}. A running stack is not moved to another network in place (its file system's mount targets, instance and load balancer all live in the old subnets), so nothing was changed.`,
    `To move it, keeping the data: 1) \`geusemaker destroy ${name}\` (deletes the compute, load balancer, mount targets${state.config.network.mode === 'new' ? ' and the VPC GeuseMaker made' : ''}; keeps the EFS file system and secrets); 2) set network in the configuration to the new one; 3) \`geusemaker deploy ${name}\`: mount targets are made in the new network and the data is reattached. The services are down from step 1 until step 3 finishes. Or keep network as it is.`);
}
