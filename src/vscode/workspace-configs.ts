import { findConfigFile, loadStackConfig } from '../engine';
import type { WorkspaceConfig } from './tree/config-changes';

/**
 * The stack configs the workspace's folders hold (geusemaker.yaml, .yml or .json at each folder's top, as Deploy
 * from Config File finds them), by stack name. Read from disk only: no AWS call, so the tree can do it on every
 * refresh. The file alone decides (no GEUSEMAKER_* variables of the editor's environment). A file that does not
 * parse or validate is left out: the marker compares only configs that could be deployed.
 */
export async function readWorkspaceConfigs(folders: readonly string[]): Promise<Map<string, WorkspaceConfig>> {
  const found = new Map<string, WorkspaceConfig>();
  for (const folder of folders) {
    const file = findConfigFile(folder);
    if (!file) continue;
    try {
      const { config, explicit } = await loadStackConfig({ cwd: folder, configPath: file, flags: {}, env: {} });
      // Two folders naming the same stack: the first one wins, as for Deploy from Config File.
      if (!found.has(config.name)) found.set(config.name, { file, config, explicit });
    } catch {
      // Invalid or unreadable: deploying it would fail with its own message; the tree says nothing about it.
    }
  }
  return found;
}
