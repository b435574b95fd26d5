import * as vscode from 'vscode';

/** Plans shown before a confirmation: generated text in a read-only editor, never a file on disk or an untitled buffer to save. */
const SCHEME = 'geusemaker-plan';

class PlanDocuments implements vscode.TextDocumentContentProvider {
  private readonly contents = new Map<string, string>();
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changed.event;

  set(uri: vscode.Uri, text: string): void {
    this.contents.set(uri.toString(), text);
    this.changed.fire(uri);
  }

  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.contents.get(uri.toString()) ?? 'This plan is no longer available; run the command again.';
  }
}

/** One provider per extension activation, registered the first time a plan is shown. */
const providers = new WeakMap<vscode.ExtensionContext, PlanDocuments>();

function documentsFor(extension: vscode.ExtensionContext): PlanDocuments {
  let docs = providers.get(extension);
  if (!docs) {
    docs = new PlanDocuments();
    extension.subscriptions.push(vscode.workspace.registerTextDocumentContentProvider(SCHEME, docs));
    providers.set(extension, docs);
  }
  return docs;
}

/** Opens `markdown` as a read-only Markdown document named `title`.md, beside the active editor. */
export async function showPlanDocument(extension: vscode.ExtensionContext, title: string, markdown: string): Promise<void> {
  const uri = vscode.Uri.from({ scheme: SCHEME, path: `/${title}.md` });
  documentsFor(extension).set(uri, markdown);
  const doc = await vscode.workspace.openTextDocument(uri);
  await vscode.languages.setTextDocumentLanguage(doc, 'markdown');
  await vscode.window.showTextDocument(doc, { preview: false });
}
