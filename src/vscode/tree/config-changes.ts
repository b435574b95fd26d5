import { describeSetting, settingChanges, wasApplied, type StackConfig, type StackState } from '../../engine';

/**
 * How the workspace's geusemaker.yaml differs from a stack's applied config, for the tree's "changes not applied"
 * marker, by the engine's own comparison of settings (objects field by field: "services.crawl4ai true → false").
 * No AWS calls: only the two configs.
 */

/** One setting that differs: "services.crawl4ai", "true", "false". */
export interface ConfigChange {
  path: string;
  from: string;
  to: string;
}

/** A workspace config file read for the marker: the config it resolves to, and the top-level settings it sets. */
export interface WorkspaceConfig {
  /** The file's path, for the tooltip. */
  file: string;
  config: StackConfig;
  /** Top-level settings the file sets (the rest are defaults). */
  explicit: ReadonlySet<string>;
}

/**
 * The settings `wanted` (the file) has other than `applied` (the stack's state), by the engine's own comparison. The
 * AWS profile is which credentials to use, not part of the stack: it counts only when the file sets it (a stack
 * deployed from the editor records the profile chosen there).
 */
export function configChanges(applied: StackConfig, wanted: StackConfig, fileSets: ReadonlySet<string> = new Set()): ConfigChange[] {
  return settingChanges(applied, wanted)
    .filter((change) => change.field !== 'profile' || fileSets.has('profile'))
    .map(({ path, from, to }) => ({ path, from, to }));
}

/** "services.crawl4ai true → false" */
export function describeChange(change: ConfigChange): string {
  return describeSetting(change);
}

/**
 * The changes of the workspace file for one stack: only when the file names this stack, and only for a stack
 * that was applied (a stack never deployed in full, or destroyed, has no applied config to differ from).
 */
export function unappliedChanges(state: StackState, file: WorkspaceConfig | undefined): ConfigChange[] {
  if (!file || file.config.name !== state.name || !wasApplied(state)) return [];
  return configChanges(state.config, file.config, file.explicit);
}
