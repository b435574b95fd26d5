import * as vscode from 'vscode';
import { panelHtml, panelNonce } from './html';

/** The only folder a panel may load from: its bundles. */
export function bundleRoot(extensionUri: vscode.Uri): vscode.Uri {
  return vscode.Uri.joinPath(extensionUri, 'dist', 'webview');
}

/** Scripts on, nothing but the bundles reachable; no retained context: the panel restores from getState. */
export function panelOptions(extensionUri: vscode.Uri): vscode.WebviewPanelOptions & vscode.WebviewOptions {
  return { enableScripts: true, localResourceRoots: [bundleRoot(extensionUri)], enableFindWidget: true };
}

/** Loads a panel's bundle (`dist/webview/<bundle>.js` and `.css`) with a fresh nonce. */
export function loadPanel(webview: vscode.Webview, extensionUri: vscode.Uri, bundle: string, title: string): void {
  const root = bundleRoot(extensionUri);
  webview.options = panelOptions(extensionUri);
  webview.html = panelHtml({
    title,
    cspSource: webview.cspSource,
    scriptUri: webview.asWebviewUri(vscode.Uri.joinPath(root, `${bundle}.js`)).toString(),
    styleUri: webview.asWebviewUri(vscode.Uri.joinPath(root, `${bundle}.css`)).toString(),
    nonce: panelNonce(),
  });
}
