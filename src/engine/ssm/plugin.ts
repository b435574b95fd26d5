import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, isAbsolute, join } from 'node:path';
import { GeuseError } from '../errors';
import type { SessionRequest, StartedSession } from './session';

export const PLUGIN_INSTALL_URL = 'https://docs.aws.amazon.com/systems-manager/latest/userguide/session-manager-working-with-install-plugin.html';
export const PLUGIN_PATH_SETTING = 'geusemaker.sessionManagerPluginPath';
/** The plugin reads the StartSession answer from the variable named in its first argument when it starts with this. */
export const RESPONSE_ENV_PREFIX = 'AWS_SSM_START_SESSION_RESPONSE';

export interface PluginInvocation {
  command: string;
  /**
   * What to pass to spawn: six arguments. With the program itself that is the seven entries the plugin's
   * os.Args must have (ArgumentLength = 7 in session-manager-plugin's session.go): response env-var name,
   * region, "StartSession", profile (may be empty), request JSON, SSM endpoint URL.
   */
  args: string[];
  /** Add to the child's environment (on top of the parent's). Holds the session token; never log it. */
  env: Record<string, string>;
}

export function ssmEndpoint(region: string): string {
  return `https://ssm.${region}.amazonaws.com${region.startsWith('cn-') ? '.cn' : ''}`;
}

/**
 * How to start session-manager-plugin for a started session (pure). The token travels only in the
 * environment, under a variable name unique to the session; argv (visible in every process list) never has it.
 */
export function pluginInvocation(input: {
  pluginPath: string;
  session: StartedSession;
  request: SessionRequest;
  region: string;
  profile?: string;
  /** SSM endpoint the session was started against; the public one for the region by default. */
  endpoint?: string;
}): PluginInvocation {
  const envName = `${RESPONSE_ENV_PREFIX}_${input.session.SessionId.replace(/[^A-Za-z0-9]/g, '_')}`;
  const response = JSON.stringify({ SessionId: input.session.SessionId, StreamUrl: input.session.StreamUrl, TokenValue: input.session.TokenValue });
  const request: SessionRequest = { Target: input.request.Target };
  if (input.request.DocumentName) request.DocumentName = input.request.DocumentName;
  if (input.request.Parameters) request.Parameters = input.request.Parameters;
  return {
    command: input.pluginPath,
    args: [envName, input.region, 'StartSession', input.profile ?? '', JSON.stringify(request), input.endpoint ?? ssmEndpoint(input.region)],
    env: { [envName]: response },
  };
}

function isExecutableFile(path: string): boolean {
  try {
    if (!statSync(path).isFile()) return false;
    if (process.platform !== 'win32') accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function missing(configured: string | undefined, setting: boolean): GeuseError {
  return new GeuseError({
    code: 'SSM_PLUGIN_MISSING', kind: 'invalid-input',
    message: configured
      ? `The session-manager-plugin set in ${PLUGIN_PATH_SETTING} (${configured}) is not an executable file.`
      : 'AWS session-manager-plugin was not found on PATH; terminals and tunnels need it.',
    nextStep: setting
      ? `Install it (${PLUGIN_INSTALL_URL}), or set ${PLUGIN_PATH_SETTING} to where it is installed, then try again.`
      : `Install it (${PLUGIN_INSTALL_URL}) and make sure session-manager-plugin is on PATH, then try again.`,
  });
}

/** The first executable file of one of these names in PATH's folders (Windows' `Path` too), or undefined. */
export function findOnPath(names: readonly string[], env: NodeJS.ProcessEnv = process.env): string | undefined {
  for (const dir of (env.PATH ?? env.Path ?? '').split(delimiter).filter(Boolean)) {
    for (const name of names) {
      const candidate = join(dir, name);
      if (isExecutableFile(candidate)) return candidate;
    }
  }
  return undefined;
}

/**
 * The plugin's path: the configured one when set (it must exist), else the first on PATH. `pathOnly` is for
 * callers without a path setting (the CLI): the advice then says to put it on PATH.
 */
export function findPlugin(options: { configuredPath?: string; env?: NodeJS.ProcessEnv; platform?: NodeJS.Platform; pathOnly?: boolean } = {}): string {
  const configured = options.pathOnly ? undefined : options.configuredPath?.trim();
  if (configured) {
    if (isAbsolute(configured) && isExecutableFile(configured)) return configured;
    throw missing(configured, true);
  }
  const windows = (options.platform ?? process.platform) === 'win32';
  const found = findOnPath(windows ? ['session-manager-plugin.exe'] : ['session-manager-plugin'], options.env ?? process.env);
  if (found) return found;
  throw missing(undefined, !options.pathOnly);
}
