import assert from 'node:assert/strict';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../harness/engine';
import { testEmulator } from '../harness/root-hooks';
import {
  captureFailure,
  ensureCodeServer,
  EXTENSION_ID,
  openView,
  packageExtension,
  pathWithFakePlugin,
  screenshot,
  startVsCode,
  welcomeView,
  type VsCode,
} from '../harness/vscode-e2e';

describe('VS Code e2e: smoke', function () {
  let vscode: VsCode | undefined;

  before(async function () {
    // The first run on a machine installs code-server (~10 min); afterwards this takes seconds.
    this.timeout(20 * 60_000);
    await ensureCodeServer();
    const vsix = await packageExtension();
    assert.ok(vsix.bytes > 1000, `the .vsix is suspiciously small (${vsix.bytes} bytes)`);
  });

  afterEach(async function () {
    await captureFailure(this.currentTest, vscode);
  });

  after(async function () {
    this.timeout(30_000);
    await vscode?.stop();
    vscode = undefined;
  });

  it('installs the extension and shows the GeuseMaker view with its welcome content', async function () {
    this.timeout(180_000);
    const stateDir = tempDir('gm-e2e-state-');
    vscode = await startVsCode({
      settings: { 'geusemaker.endpoint': testEmulator().endpoint, 'geusemaker.stateDirectory': stateDir },
      env: {
        PATH: pathWithFakePlugin(),
        GEUSEMAKER_HOME: process.env.GEUSEMAKER_HOME,
        GM_FAKE_PLUGIN_LOG: join(stateDir, 'fake-plugin.jsonl'),
      },
    });
    const { page } = vscode;

    const installed = await vscode.listExtensions();
    assert.ok(installed.some((line) => line.startsWith(`${EXTENSION_ID}@`)), `code-server lists: ${installed.join(', ')}`);

    const workbench = await screenshot(page, 'smoke-workbench');
    assert.ok(existsSync(workbench) && statSync(workbench).size > 0);

    const sidebar = await openView(page, 'GeuseMaker');
    const welcome = welcomeView(page);
    await welcome.getByText('No GeuseMaker stacks').waitFor({ timeout: 30_000 });
    // The welcome content can re-render while the extension's first refresh lands: wait, don't sample once.
    for (const name of ['Deploy a Stack', 'Choose AWS Profile', 'Open Docs']) {
      const button = welcome.getByRole('button', { name, exact: true });
      await button.waitFor({ state: 'visible', timeout: 15_000 }).catch(() => undefined);
      assert.ok(await button.isVisible(), `welcome button "${name}" is visible`);
    }
    assert.match((await sidebar.locator('.composite.title').textContent()) ?? '', /GeuseMaker/i);
    await screenshot(page, 'smoke-geusemaker-view');
    assert.doesNotMatch(vscode.extensionHostLog(), /Activating extension '?geusemaker\.geusemaker'? failed/);
  });
});
