import { table } from '../engine';
import type { CheckRow, StatusDocument, WorkerPoolRow } from './status-document';

const hhmmss = (iso: string) => `${iso.slice(0, 10)} ${iso.slice(11, 19)} UTC`;
const latency = (row: CheckRow) => (row.latencyMs === null ? '-' : `${row.latencyMs} ms`);

function bootstrapLine(bootstrap: StatusDocument['bootstrap']): string {
  if (bootstrap.source === null) return 'not reported yet';
  const where = bootstrap.source === 'health-check' ? 'seen on the instance this round' : `reported by the instance at ${bootstrap.at ?? 'an unknown time'}`;
  return `${bootstrap.state}${bootstrap.step ? ` at step ${bootstrap.step}` : ''} (${where})`;
}

function costLine(cost: StatusDocument['cost']): string {
  if (cost.usdPerHour === null) return `unknown: ${cost.basis}`;
  return `$${cost.usdPerHour.toFixed(4)}/h (${cost.sourceText}): ${cost.basis}`;
}

/** Only with rotateAfterDays: which secrets are due (or why their ages are unknown). */
function secretsLine(name: string, secrets: StatusDocument['secrets']): string | undefined {
  if (secrets.rotateAfterDays === null) return undefined;
  if (secrets.note) return `! ${secrets.note}`;
  if (secrets.due.length === 0) return `none due for rotation (rotateAfterDays ${secrets.rotateAfterDays})`;
  const list = secrets.due.map((row) => `${row.name} (${row.ageDays} d)`).join(', ');
  return `due for rotation (rotateAfterDays ${secrets.rotateAfterDays}): ${list}; \`geusemaker secrets ${name} rotate --only ${secrets.due.map((row) => row.rotate).join(',')}\``;
}

/** A scaled stack's pools: one row each (desired, in service, unhealthy), degraded said with why. */
function workerLines(workers: StatusDocument['workers']): string[] {
  if (workers === null) return [];
  if (workers.note) return [`  Workers:   ! ${workers.note}`];
  const known = (row: WorkerPoolRow, value: string) => (row.condition === 'missing' || row.condition === 'not-ours' ? '-' : value);
  return [
    '  Workers:',
    ...table([['POOL', 'DESIRED', 'IN SERVICE', 'UNHEALTHY', 'MIN..MAX', 'TYPES', 'HEALTH'], ...workers.pools.map((row) => [
      row.pool, known(row, String(row.desired)), known(row, String(row.inService)), known(row, String(row.unhealthy)), known(row, `${row.min}..${row.max}`),
      known(row, row.instanceTypes.join(',') || '-'), row.condition === 'ok' ? 'ok' : `${row.condition}: ${row.summary}`,
    ])], '    '),
  ];
}

/** `geusemaker status` in words: compute, bootstrap, each service, the public URL, the price per hour now. */
export function renderStatus(doc: StatusDocument): string[] {
  const { compute } = doc;
  const facts = [
    compute.group && `group ${compute.group}`, compute.instanceId && `instance ${compute.instanceId}`, compute.instanceType, compute.market, compute.zone,
  ].filter(Boolean).join(', ');
  const lines = [
    `Stack ${doc.name} (${doc.status}) in ${doc.region}, ${doc.tier} tier; checked ${hhmmss(doc.checkedAt)}`,
    `  Compute:   ${compute.summary}`,
    ...(facts ? [`             ${facts}; EC2 says ${compute.instanceState}`] : []),
    `  Bootstrap: ${bootstrapLine(doc.bootstrap)}`,
    '  Services:',
    ...table([['SERVICE', 'STATUS', 'LATENCY', 'LAST ERROR'], ...doc.services.map((row) => [
      row.service, row.status + (row.consecutiveFailures > 1 ? ` (${row.consecutiveFailures} rounds)` : ''), latency(row), row.lastError && row.lastError !== doc.servicesNote ? row.lastError : '',
    ])], '    '),
    ...(doc.servicesNote ? [`  ! ${doc.servicesNote}`] : []),
  ];
  if (doc.publicUrl) {
    const checks = doc.publicUrl.checks.map((row) => `${row.service} ${row.status}${row.latencyMs !== null ? ` (${row.latencyMs} ms)` : ''}${row.lastError && row.status !== 'healthy' ? `: ${row.lastError}` : ''}`);
    lines.push(`  Public URL ${doc.publicUrl.url}: ${checks.length > 0 ? checks.join('; ') : 'not checked this round'}`);
  }
  lines.push(...workerLines(doc.workers));
  lines.push(`  Cost now:  ${costLine(doc.cost)}`);
  const secrets = secretsLine(doc.name, doc.secrets);
  if (secrets) lines.push(`  Secrets:   ${secrets}`);
  return lines;
}
