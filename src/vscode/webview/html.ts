import { randomBytes } from 'node:crypto';

/** The page every panel loads (pure, no vscode import, so the browser tests build the very same page). */
export interface PanelPage {
  title: string;
  /** The webview's `cspSource`: the only origin scripts, styles, images and fonts may come from. */
  cspSource: string;
  scriptUri: string;
  styleUri: string;
  /** Fresh for every load (panelNonce). */
  nonce: string;
}

/** 128 bits from the OS, base64: unguessable, so an injected script tag cannot carry it. */
export function panelNonce(): string {
  return randomBytes(16).toString('base64');
}

function escapeAttribute(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** No inline script or style, nothing remote: scripts need the nonce, styles the nonce or our own origin. */
export function contentSecurityPolicy(cspSource: string, nonce: string): string {
  return [
    "default-src 'none'",
    `script-src 'nonce-${nonce}'`,
    `style-src ${cspSource} 'nonce-${nonce}'`,
    `img-src ${cspSource} data:`,
    `font-src ${cspSource}`,
    "connect-src 'none'",
    "frame-src 'none'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');
}

export function panelHtml(page: PanelPage): string {
  const csp = escapeAttribute(contentSecurityPolicy(page.cspSource, page.nonce));
  const nonce = escapeAttribute(page.nonce);
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${escapeAttribute(page.styleUri)}" nonce="${nonce}">
<title>${escapeAttribute(page.title)}</title>
</head>
<body>
<script src="${escapeAttribute(page.scriptUri)}" nonce="${nonce}"></script>
</body>
</html>
`;
}
