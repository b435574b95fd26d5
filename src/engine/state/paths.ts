import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

type Env = Readonly<Record<string, string | undefined>>;

/** An empty variable (e.g. `GEUSEMAKER_HOME=`) means unset, not "the current directory". */
function fromEnv(env: Env, name: string): string | undefined {
  const value = env[name];
  return value === undefined || value === '' ? undefined : value;
}

/** GeuseMaker's per-user directory: `$GEUSEMAKER_HOME`, else `~/.geusemaker`. Always absolute. */
export function geusemakerHome(env: Env = process.env): string {
  return resolve(fromEnv(env, 'GEUSEMAKER_HOME') ?? join(homedir(), '.geusemaker'));
}

/** Where stack state lives unless told otherwise: `$GEUSEMAKER_STATE_DIR`, else `<home>/stacks`. Always absolute. */
export function defaultStateDir(env: Env = process.env): string {
  return resolve(fromEnv(env, 'GEUSEMAKER_STATE_DIR') ?? join(geusemakerHome(env), 'stacks'));
}
