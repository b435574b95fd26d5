import { join } from 'node:path';
import * as vscode from 'vscode';
import { Engine, GeuseError, invalidInput, replayFromFile, type ResolvedEndpoint, resolveEndpoint } from '../engine';
import { parseSettings, SETTING_KEYS, type Settings, type SettingsProblem } from './settings';

/**
 * Owns the engines the extension talks to: one for this workspace's state folder, and read-mostly ones
 * for other workspaces' folders (from the machine index). Rebuilt when a setting that shapes them changes.
 */
export class EngineHost implements vscode.Disposable {
  private engines = new Map<string, Engine>();
  private current: { settings: Settings; problems: SettingsProblem[]; endpoint?: ResolvedEndpoint };
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;
  private readonly subscription: vscode.Disposable;

  constructor(private readonly context: vscode.ExtensionContext) {
    this.current = this.readSettings();
    this.subscription = vscode.workspace.onDidChangeConfiguration((event) => {
      if (!event.affectsConfiguration('geusemaker')) return;
      const before = this.endpoint;
      this.current = this.readSettings();
      // Engines depend only on the endpoint. Replaced ones are not disposed: a deploy may still be running on
      // them, and their idle sockets close by themselves.
      if (this.endpoint !== before) this.engines.clear();
      this.changed.fire();
    });
  }

  get settings(): Settings {
    return this.current.settings;
  }

  /** Settings that were refused (each falls back to its default until fixed). */
  get problems(): readonly SettingsProblem[] {
    return this.current.problems;
  }

  /**
   * Refuses AWS work while a setting that decides where calls go is invalid: falling back to the default
   * endpoint (real AWS) or region would act on an account or region the user did not mean.
   */
  assertUsable(): void {
    const blocking = this.problems.filter((p) => ['geusemaker.endpoint', 'GEUSEMAKER_AWS_ENDPOINT', 'geusemaker.region', 'geusemaker.awsProfile', 'geusemaker.stateDirectory'].includes(p.setting));
    if (blocking.length > 0) {
      const variable = blocking.some((p) => p.setting === 'GEUSEMAKER_AWS_ENDPOINT');
      throw invalidInput('SETTINGS_INVALID', `Nothing was sent to AWS: ${blocking.map((p) => p.message.replace(/; using the default until it is fixed\.$/, '.')).join(' ')}`,
        variable
          ? 'Fix GEUSEMAKER_AWS_ENDPOINT (or unset it) in the environment VS Code starts from, or set geusemaker.endpoint, which wins over it; then reload the window.'
          : 'Fix the setting in Settings (search "geusemaker"), then run the command again.');
    }
  }

  /** Where this workspace's stacks live: the setting, else the workspace's own storage, else global storage. */
  get stateDir(): string {
    if (this.settings.stateDirectory) return this.settings.stateDirectory;
    const base = this.context.storageUri ?? this.context.globalStorageUri;
    return join(base.fsPath, 'stacks');
  }

  get engine(): Engine {
    return this.engineFor(this.stateDir);
  }

  engineFor(stateDir: string): Engine {
    let engine = this.engines.get(stateDir);
    if (!engine) {
      // Recorded SSM answers stand in for calls the emulator lacks; never when talking to real AWS.
      const replay = this.endpoint && isLoopback(this.endpoint) ? process.env.GEUSEMAKER_SSM_REPLAY : undefined;
      // The threshold is read on each use, so changing the setting needs no new engine.
      engine = new Engine({ stateDir, endpoint: this.endpoint, ssm: replay ? replayFromFile(replay) : undefined, spotMinSaving: () => this.settings.spotMinSavingPercent / 100 });
      this.engines.set(stateDir, engine);
    }
    return engine;
  }

  /** The endpoint setting, else GEUSEMAKER_AWS_ENDPOINT from the editor's environment (as the CLI reads it). */
  get endpoint(): string | undefined {
    return this.endpointInfo?.url;
  }

  /** The endpoint with where it came from, for messages; undefined when none is set or the variable is invalid. */
  get endpointInfo(): ResolvedEndpoint | undefined {
    return this.current.endpoint;
  }

  /** The profile for calls that are not about one stack (new stacks, account scans). */
  get profile(): string | undefined {
    return this.settings.awsProfile || undefined;
  }

  private readSettings(): { settings: Settings; problems: SettingsProblem[]; endpoint?: ResolvedEndpoint } {
    const config = vscode.workspace.getConfiguration('geusemaker');
    const raw: Partial<Record<keyof Settings, unknown>> = {};
    for (const key of SETTING_KEYS) raw[key] = config.get(key);
    const parsed = parseSettings(raw);
    // The setting was checked by its schema; the variable is checked here, the same way the CLI checks it.
    try {
      return { ...parsed, endpoint: resolveEndpoint({ setting: parsed.settings.endpoint, env: process.env.GEUSEMAKER_AWS_ENDPOINT }) };
    } catch (error) {
      if (!(error instanceof GeuseError)) throw error;
      return { ...parsed, problems: [...parsed.problems, { setting: 'GEUSEMAKER_AWS_ENDPOINT', message: error.message }] };
    }
  }

  dispose(): void {
    for (const engine of this.engines.values()) engine.dispose();
    this.engines.clear();
    this.subscription.dispose();
    this.changed.dispose();
  }
}

function isLoopback(url: string): boolean {
  try {
    return ['127.0.0.1', 'localhost', '[::1]'].includes(new URL(url).hostname);
  } catch {
    return false;
  }
}
