import type { RotatableSecret, RotationPlan, RotationResult, SecretAge } from '../engine-types';
import { ago, type ViewFormat } from '../tree/format';

/** Rotate Secrets…'s words, with no vscode types (unit-tested). */

/** What each rotatable secret opens, as a person names it. */
export const SECRET_WORDS: Readonly<Record<RotatableSecret, string>> = {
  postgres: 'PostgreSQL password',
  qdrant: 'Qdrant API key',
  proxy: 'Proxy password (Ollama and others without a login)',
  crawl4ai: 'Crawl4AI API token',
  'n8n-owner': 'n8n owner password',
};

/** The one secret every stack has that is never rotated, shown as a row no one can pick, with why. */
const ENCRYPTION_KEY = 'n8n-encryption-key';
export const ENCRYPTION_KEY_ROW = 'n8n encryption key: not rotatable — n8n cannot re-encrypt the credentials it saved with it';

/** A row of the secrets' quick pick: a secret to tick, or (separator) one shown with why it cannot be picked. */
export interface SecretRow {
  label: string;
  description?: string;
  detail?: string;
  picked?: boolean;
  secret?: RotatableSecret;
  separator?: true;
}

const secretWords = (secret: RotatableSecret) => SECRET_WORDS[secret] ?? secret;

/**
 * The rotatable secrets the stack uses (the due ones ticked), then the n8n encryption key as a row no one can pick.
 * Secrets the stack has but does not use (a proxy password without a proxy) are left out.
 */
export function secretRows(ages: readonly SecretAge[], format: ViewFormat): SecretRow[] {
  const rotatable = ages.filter((age): age is SecretAge & { rotatable: RotatableSecret } => age.rotatable !== undefined);
  const fixed = ages.filter((age) => age.name === ENCRYPTION_KEY);
  return [
    ...rotatable.map((age): SecretRow => ({
      label: secretWords(age.rotatable), secret: age.rotatable, picked: age.due,
      description: `${age.name} · changed ${ago(age.lastChangedAt, format)} · version ${age.version}`,
      ...(age.due ? { detail: 'Due: older than the stack\'s rotateAfterDays' } : {}),
    })),
    ...fixed.map((): SecretRow => ({ label: ENCRYPTION_KEY_ROW, separator: true })),
  ];
}

export function rotationQuestion(plan: RotationPlan): string {
  const count = plan.secrets.length;
  return count === 1 ? `Rotate the ${secretWords(plan.secrets[0]!)} of stack ${plan.stack}?` : `Rotate ${count} secrets of stack ${plan.stack}?`;
}

/** The modal's detail: which secrets, the engine's steps in order, and what happens if health fails. */
export function rotationLines(plan: RotationPlan): string[] {
  return [
    `New values for: ${plan.secrets.map(secretWords).join(', ')}.`,
    '',
    ...plan.steps.map((step, index) => `${index + 1}. ${step}`),
    ...plan.notRotated.filter((secret) => secret.name === ENCRYPTION_KEY).map((secret) => `Not rotated: ${secret.name}: ${secret.reason}.`),
    '',
    'The services restart with the new values. If the health check after it fails, the old values are put back.',
  ];
}

/** Whether the engine's plan under the lock is the one the user confirmed. */
export function sameRotation(shown: RotationPlan, fresh: RotationPlan): boolean {
  return shown.secrets.join(',') === fresh.secrets.join(',') && shown.steps.join('\n') === fresh.steps.join('\n');
}

/** The notification after a rotation that held. */
export function rotatedMessage(stack: string, result: RotationResult): string {
  const rows = result.rotated.map((row) => `${secretWords(row.secret)} (version ${row.version})`);
  const owner = result.rotated.some((row) => row.secret === 'n8n-owner') ? ' Copy n8n Owner Password gives the new one.' : '';
  return rows.length === 1
    ? `Rotated the ${rows[0]} of stack ${stack}. The old value no longer works.${owner}`
    : `Rotated ${rows.length} secrets of stack ${stack}: ${rows.join(', ')}. The old values no longer work.${owner}`;
}

/** The error after a rotation whose health check failed and whose old values were put back. */
export function restoredMessage(stack: string, reason: string): string {
  return `The health check after rotating the secrets of stack ${stack} failed, so the old values were put back: ${reason.replace(/[.\s]+$/, '')}. Look at the Health panel and the log, then run Rotate Secrets… again.`;
}
