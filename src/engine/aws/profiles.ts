import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';

export interface AwsProfile {
  name: string;
  /** Where it is defined, and whether it signs in through IAM Identity Center (then `aws sso login` refreshes it). */
  source: 'config' | 'credentials' | 'both';
  sso: boolean;
  region?: string;
}

/** Section headers of an ini file with the keys under each; enough for AWS's two files. */
function sections(text: string): Map<string, Map<string, string>> {
  const result = new Map<string, Map<string, string>>();
  let current: Map<string, string> | undefined;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const header = /^\[\s*([^\]]+?)\s*\]$/.exec(line);
    if (header?.[1]) {
      current = new Map();
      result.set(header[1], current);
      continue;
    }
    const pair = /^([^=]+?)\s*=\s*(.*)$/.exec(line);
    if (pair?.[1] && current) current.set(pair[1].trim(), pair[2] ?? '');
  }
  return result;
}

async function readIfThere(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch {
    return '';
  }
}

/** Profiles from ~/.aws/config ("[profile x]", "[default]") and ~/.aws/credentials ("[x]"), honouring AWS's env overrides. */
export async function listAwsProfiles(env: NodeJS.ProcessEnv = process.env): Promise<AwsProfile[]> {
  const configPath = env.AWS_CONFIG_FILE ?? join(homedir(), '.aws', 'config');
  const credentialsPath = env.AWS_SHARED_CREDENTIALS_FILE ?? join(homedir(), '.aws', 'credentials');
  const profiles = new Map<string, AwsProfile>();
  for (const [header, keys] of sections(await readIfThere(configPath))) {
    const name = header === 'default' ? 'default' : /^profile\s+(.+)$/.exec(header)?.[1];
    if (!name) continue; // sso-session and services sections are not profiles
    profiles.set(name, { name, source: 'config', sso: keys.has('sso_session') || keys.has('sso_start_url'), region: keys.get('region') });
  }
  for (const header of (sections(await readIfThere(credentialsPath))).keys()) {
    const existing = profiles.get(header);
    profiles.set(header, existing ? { ...existing, source: 'both' } : { name: header, source: 'credentials', sso: false });
  }
  return [...profiles.values()].sort((a, b) => (a.name === 'default' ? -1 : b.name === 'default' ? 1 : a.name.localeCompare(b.name)));
}
