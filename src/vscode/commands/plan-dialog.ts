import { type DeployPlan, diffLines, type PlanAction } from '../../engine';

/** Lines a confirmation dialog shows; the whole plan is always in the GeuseMaker log. */
export const DIALOG_LINES = 40;

/**
 * What a deploy's (or roll back's) confirmation dialog shows: the whole rendered plan when it fits, else what
 * decides the answer — the header, the changes, the counts, what the user will notice and the warnings — with the
 * step table left to the log. No vscode import: unit-tested.
 */
export function planDialogLines(plan: DeployPlan, lines: readonly string[]): string[] {
  if (lines.length <= DIALOG_LINES) return [...lines];
  const { diff } = plan;
  const count = (action: PlanAction) => plan.items.filter((item) => item.action === action).length;
  const changes = diff
    ? ['', diff.unchanged ? 'No changes: the stack runs this configuration.' : `Changes from the applied configuration${diff.fromVersion ? ` (version ${diff.fromVersion})` : ''}:`, ...diffLines(diff).map((line) => `  ${line}`)]
    : [];
  const counts = diff
    ? `${count('create')} to create, ${count('update')} to update in place, ${count('replace')} to replace, ${count('delete')} to delete, ${count('unchanged')} unchanged.`
    : `${count('create')} to create, ${count('reuse')} to reuse, ${count('keep')} to keep.`;
  const effects = diff && diff.effects.length > 0 ? ['', 'What you will notice:', ...diff.effects.map((effect) => `  • ${effect}`)] : [];
  return [
    ...lines.slice(0, 1), ...changes, '', counts, ...effects, ...(plan.notes ?? []).map((note) => `• ${note}`), ...plan.warnings.map((warning) => `! ${warning}`),
    '', `Every step (${plan.items.length}) is in the GeuseMaker output.`,
  ];
}
