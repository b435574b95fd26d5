import { hostname } from 'node:os';
import { refused } from '../errors';
import type { StackConfig } from '../stack/config';
import type { AppliedVersion, StackState } from '../state/schema';

/** Versions kept per stack; the oldest go first. */
const KEPT_VERSIONS = 100;

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/**
 * A deploy that finished: its config becomes the applied one, and a new numbered version when it differs from the
 * last (a resume or a repair of drift applies no new config). A stack applied before history was kept first gets
 * its applied config as a version of its own, so there is something to roll back to.
 */
export function recordVersion(state: StackState, config: StackConfig, summary: readonly string[]): void {
  const at = new Date().toISOString();
  const last = state.history.at(-1);
  if (!last && state.pending && !same(state.config, config)) {
    state.history.push({ version: 1, at: state.updatedAt, machine: state.createdOn ?? 'unknown', summary: ['applied before history was kept'], config: structuredClone(state.config) });
  }
  const previous = state.history.at(-1);
  if (!previous || !same(previous.config, config)) {
    state.history.push({
      version: (previous?.version ?? 0) + 1, at, machine: hostname(),
      summary: previous ? (summary.length > 0 ? [...summary] : ['configuration changed']) : ['first deploy'], config: structuredClone(config),
    });
  }
  state.history = state.history.slice(-KEPT_VERSIONS);
  state.config = config;
  state.pending = undefined;
}

/** The version to roll back to: N, or the one before the applied one. */
export function rollbackTarget(state: StackState, to?: number): AppliedVersion {
  if (to !== undefined) {
    const version = state.history.find((v) => v.version === to);
    if (!version) {
      const known = state.history.map((v) => v.version);
      throw refused('NO_HISTORY_VERSION', `Stack ${state.name} has no applied version ${to}${known.length > 0 ? ` (it has ${known[0]}–${known.at(-1)})` : ''}.`, `List them with \`geusemaker history ${state.name}\`.`);
    }
    return version;
  }
  const applied = state.history.at(-1);
  const earlier = [...state.history].reverse().find((v) => v.version !== applied?.version && !same(v.config, state.config));
  if (!earlier) {
    throw refused('NOTHING_TO_ROLL_BACK', `Stack ${state.name} has no earlier applied version to roll back to${state.history.length === 0 ? ' (its history starts with its next change)' : ''}.`, `See \`geusemaker history ${state.name}\`.`);
  }
  return earlier;
}
