import { z } from 'zod';
import type { StackBackup } from '../engine-types';
import type { StackEntry } from '../stacks-source';

/* No vscode import: the tree's tests check the rows the commands run on. */

const entryShape = z.looseObject({ ref: z.looseObject({ name: z.string(), stateDir: z.string() }) });
const backupNodeShape = z.looseObject({
  kind: z.literal('backup'), entry: entryShape,
  backup: z.looseObject({ recoveryPointArn: z.string(), createdAt: z.string(), status: z.string(), origin: z.enum(['scheduled', 'on-demand']) }),
});

/** The recovery point of a backup row, with its stack: VS Code hands back the element objects the tree gave it. */
export function backupNodeOf(arg: unknown): { entry: StackEntry; backup: StackBackup } | undefined {
  return backupNodeShape.safeParse(arg).success ? arg as { entry: StackEntry; backup: StackBackup } : undefined;
}
