import * as vscode from 'vscode';
import { architectureOf, instanceFiles, isGpuTier, renderShow, scaleWiringFrom, stackNotFound } from '../../engine';
import { consoleUrl, stackConsoleUrl } from '../console-links';
import { pickStack, treeNodeOf, type CommandContext } from './context';
import { childrenOf, type TreeNode } from '../tree/nodes';
import { resourceLabel } from '../tree/resource-labels';

/** Read-only documents: stack details and instance file previews are generated, never files on disk. */
export const DOC_SCHEME = 'geusemaker';

export class ReadOnlyDocuments implements vscode.TextDocumentContentProvider {
  private readonly contents = new Map<string, string>();
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changed.event;

  set(uri: vscode.Uri, text: string): void {
    this.contents.set(uri.toString(), text);
    this.changed.fire(uri);
  }

  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.contents.get(uri.toString()) ?? 'This document is no longer available; run the command again.';
  }
}

export async function openReadOnly(docs: ReadOnlyDocuments, path: string, text: string, language?: string): Promise<void> {
  const uri = vscode.Uri.from({ scheme: DOC_SCHEME, path });
  docs.set(uri, text);
  const doc = await vscode.workspace.openTextDocument(uri);
  if (language) await vscode.languages.setTextDocumentLanguage(doc, language);
  await vscode.window.showTextDocument(doc, { preview: false });
}

export async function showDetailsCommand(ctx: CommandContext, docs: ReadOnlyDocuments, arg?: unknown): Promise<void> {
  const target = await pickStack(ctx, arg, 'show');
  if (!target) return;
  const state = await target.engine.show(target.name, { live: true });
  if (!state) throw stackNotFound(target.name, target.entry.ref.stateDir, 'Refresh the Stacks view.');
  const lines = renderShow(state);
  if (state.status === 'deployed') {
    const live = await target.engine.liveStatus(target.name).catch(() => undefined);
    // The instance's live state is in the header already (engine.show reads EC2); this adds its own report.
    if (live) lines.push('', `Bootstrap: ${live.bootstrap ? `${live.bootstrap.state} (step ${live.bootstrap.step}, ${live.bootstrap.at})` : 'no report yet'}`);
  }
  lines.push('', `State file: ${target.entry.ref.stateDir}/${state.name}.json`);
  await openReadOnly(docs, `/${state.name} details.txt`, `${lines.join('\n')}\n`);
}

/** The files the instance would run, for review before (or after) deploying; secrets appear only as parameter names. */
export async function previewInstanceFilesCommand(ctx: CommandContext, docs: ReadOnlyDocuments, arg?: unknown): Promise<void> {
  const target = await pickStack(ctx, arg, 'preview');
  if (!target?.entry.state) return;
  const { config, resources, pins } = target.entry.state;
  const fileSystemId = resources.efs?.status === 'created' && resources.efs.id ? resources.efs.id : 'fs-00000000';
  // The OS is the config's, as deploy boots it.
  const scale = scaleWiringFrom(config, target.entry.state);
  const files = instanceFiles({ config, region: config.region, fileSystemId, architecture: architectureOf(config.instanceType), gpu: isGpuTier(config.tier), ...(pins ? { images: pins.images } : {}), ...(scale ? { scale } : {}) })
    .filter((file) => typeof file.content === 'string');
  const picked = await vscode.window.showQuickPick(files.map((file) => ({ label: file.name, detail: file.description, file })), {
    title: `Instance files of ${config.name} (${config.os ?? 'al2023'})${fileSystemId === 'fs-00000000' ? ' (not deployed: the EFS id is a placeholder)' : ''}`, canPickMany: true,
  });
  for (const { file } of picked ?? []) {
    const language = file.name.endsWith('.yml') ? 'yaml' : file.name.endsWith('.sh') ? 'shellscript' : file.name.endsWith('.conf') ? 'nginx' : 'properties';
    await openReadOnly(docs, `/${config.name}/${file.name}`, String(file.content), language);
  }
}

type ResourceNode = Extract<TreeNode, { kind: 'resource' }>;
type Target = { url: string } | { id: string; kind: ResourceNode['record']['kind']; region: string };

/** The resource from the tree node, or a pick of stack then resource when run from the palette. */
async function pickResource(ctx: CommandContext, arg: unknown, purpose: string, withStack: boolean): Promise<Target | undefined> {
  const node = treeNodeOf(arg);
  if (node?.kind === 'resource' && node.record.id && node.entry.state) return { id: node.record.id, kind: node.record.kind, region: node.entry.state.region };
  if (withStack && node?.kind === 'stack' && node.entry.state) return { url: stackConsoleUrl(node.entry.state) };
  const target = await pickStack(ctx, arg, purpose);
  const state = target?.entry.state;
  if (!state) return undefined;
  const records = Object.values(state.resources).filter((r) => r.status === 'created' && r.id);
  const items = [
    ...(withStack ? [{ label: `$(layers) Stack ${state.name}`, description: 'its instance, or what it keeps while paused', target: { url: stackConsoleUrl(state) } as Target }] : []),
    ...records.map((r) => ({ label: resourceLabel(r), description: r.id, target: { id: r.id!, kind: r.kind, region: state.region } as Target })),
  ];
  const picked = await vscode.window.showQuickPick(items, { title: `Which resource of ${state.name}?` });
  return picked?.target;
}

export async function copyIdCommand(ctx: CommandContext, arg?: unknown): Promise<void> {
  const resource = await pickResource(ctx, arg, 'copy a resource ID of', false);
  if (!resource || !('id' in resource)) return;
  await vscode.env.clipboard.writeText(resource.id);
  void vscode.window.setStatusBarMessage(`Copied ${resource.id}`, 3000);
}

export async function openInConsoleCommand(ctx: CommandContext, arg?: unknown): Promise<void> {
  const target = await pickResource(ctx, arg, 'open in the AWS console', true);
  if (!target) return;
  const url = 'url' in target ? target.url : consoleUrl(target.kind, target.id, target.region);
  await vscode.env.openExternal(vscode.Uri.parse(url));
}

type EndpointNode = Extract<TreeNode, { kind: 'endpoint' }>;

/** Copy URL: the endpoint's public address, from its tree row or a pick of stack then service. */
export async function copyUrlCommand(ctx: CommandContext, arg?: unknown): Promise<void> {
  const node = treeNodeOf(arg);
  let endpoint: EndpointNode | undefined = node?.kind === 'endpoint' ? node : undefined;
  if (!endpoint) {
    const target = await pickStack(ctx, arg, 'copy a service address of', (entry) => entry.state !== undefined);
    if (!target) return;
    const endpoints = childrenOf({ kind: 'section', section: 'endpoints', entry: target.entry }).filter((n): n is EndpointNode => n.kind === 'endpoint');
    const publicOnes = endpoints.filter((e) => e.url);
    if (publicOnes.length === 0) {
      void vscode.window.showInformationMessage(`Stack ${target.name} has no public address: use Open Service, which reaches its services through a Session Manager tunnel.`);
      return;
    }
    const picked = await vscode.window.showQuickPick(publicOnes.map((e) => ({ label: e.label, description: e.url, endpoint: e })), { title: `Copy the address of which service of ${target.name}?` });
    endpoint = picked?.endpoint;
  }
  if (!endpoint) return;
  if (!endpoint.url) {
    void vscode.window.showInformationMessage(`${endpoint.label} has no public address: use Open Service, which reaches it through a Session Manager tunnel.`);
    return;
  }
  await vscode.env.clipboard.writeText(endpoint.url);
  void vscode.window.setStatusBarMessage(`Copied ${endpoint.url}`, 3000);
}

export async function openDocsCommand(ctx: CommandContext): Promise<void> {
  const readme = vscode.Uri.joinPath(ctx.extension.extensionUri, 'README.md');
  await vscode.commands.executeCommand('markdown.showPreview', readme);
}
