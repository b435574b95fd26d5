import * as vscode from 'vscode';
import { servicesOf, type ServiceSpec } from '../../engine';
import { treeNodeOf } from './context';
import type { PickedStack } from './context';

/** A service from the tree node the command ran on (service or endpoint), or a pick among the stack's services. */
export async function pickService(target: PickedStack, arg: unknown, purpose: string, filter: (spec: ServiceSpec) => boolean = () => true): Promise<ServiceSpec | undefined> {
  const specs = servicesOf(target.entry.state!.config).filter(filter);
  const node = treeNodeOf(arg);
  const named = node?.kind === 'service' ? node.service.name : node?.kind === 'endpoint' ? node.service : undefined;
  const fromNode = specs.find((spec) => spec.name === named);
  if (fromNode) return fromNode;
  const picked = await vscode.window.showQuickPick(specs.map((spec) => ({ label: spec.displayName, description: `port ${spec.port}`, spec })), { title: `${purpose} (${target.name})` });
  return picked?.spec;
}
