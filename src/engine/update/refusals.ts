import { refused } from '../errors';
import { dataInRds, migrationRecord } from '../scale/migrate-needed';
import { SCALE_KEYS, scaleNames } from '../scale/names';
import type { StackConfig } from '../stack/config';
import { names } from '../stack/naming';
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

/**
 * Once n8n's data is in RDS (a stack made with scale.database rds, or one whose PostgreSQL was moved there), a change
 * that takes n8n off RDS is refused: removing `scale` or setting scale.database to instance would run n8n on the
 * instance's PostgreSQL (empty, or as it was before the move) and delete the database as a removal of the change,
 * with the data only it holds. Moving the data back is not automated. Pool sizes, ollamaWorkers and the queue may
 * still change.
 */
export function refuseLeavingRds(state: StackState, wanted: StackConfig): void {
  if (wanted.scale?.database === 'rds' || !dataInRds(state)) return;
  const name = state.name;
  const record = state.resources[SCALE_KEYS.database];
  const database = record?.id ?? scaleNames.database(name);
  const endpoint = record?.attrs.endpoint;
  const moved = migrationRecord(state);
  const asked = wanted.scale ? 'scale.database: instance' : 'no scale section';
  // A change that moved the data and stopped part-way has not applied the database yet: it is left, not deleted.
  const fate = state.config.scale?.database === 'rds' ? 'delete the RDS database with the data only it holds' : 'leave what n8n wrote to RDS behind, unused';
  throw refused('DATABASE_CHANGE_REFUSED',
    `scale: n8n's data of stack ${name} is in RDS (${database}${moved ? `, moved there from the instance's PostgreSQL at ${moved.migratedAt}` : ''}); this configuration has ${asked}, which would run n8n on the instance's PostgreSQL${moved ? ' (as it was before the move)' : ' (empty)'} and ${fate}. Moving the data out of RDS is not automated, so nothing was changed.`,
    `Keep scale with database: rds (pool sizes, ollamaWorkers and the queue may still change). To leave RDS, take the data out of it by hand first: in \`geusemaker shell ${name}\`, pg_dump -Fc from RDS (${endpoint ?? `${database}'s endpoint`}, database n8n, user n8n, sslmode=require, the password in ${names.parameter(name, 'postgres-password')}), and restore that dump where n8n will run.`);
}
