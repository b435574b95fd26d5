/**
 * `npm run bench`: a dev deploy against the emulator, reporting AWS calls by operation, wall time,
 * and — under a scaled real-AWS latency model — how close the graph runs to its longest dependency chain.
 * Target: wall / longest chain ≤ 1.10. Not part of the tests: timings belong here, not in assertions.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmulator } from '../test/harness/emulator';
import { Engine } from '../src/engine/engine';
import { criticalPathMs } from '../src/engine/plan/graph';
import { stackConfigSchema } from '../src/engine/stack/config';
import { DEFAULT_TIMING, type EngineTiming } from '../src/engine/context';
import { LatencyInjector, REAL_LATENCIES } from './latency-model';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
process.env.AWS_ACCESS_KEY_ID ??= 'testing';
process.env.AWS_SECRET_ACCESS_KEY ??= 'testing';
// moto spends real milliseconds per call; a gentle scale keeps that small next to the modelled latencies.
const SCALE = Number(process.env.BENCH_SCALE ?? 10);
const TARGET = 1.1;

function scaledTiming(scale: number): EngineTiming {
  const timing = { ...DEFAULT_TIMING };
  for (const key of Object.keys(timing) as (keyof EngineTiming)[]) {
    const value = timing[key];
    if (value !== undefined) timing[key] = value / scale;
  }
  return timing;
}

async function deployOnce(endpoint: string, injector: LatencyInjector | undefined, timing: Partial<EngineTiming>) {
  const home = mkdtempSync(join(tmpdir(), 'gm-bench-'));
  process.env.GEUSEMAKER_HOME = home;
  const engine = new Engine({ stateDir: join(home, 'stacks'), endpoint, maxAttempts: 3, timing, instrument: injector?.instrument });
  const config = stackConfigSchema.parse({ name: 'bench', region: 'us-east-1', instanceType: 't3.xlarge' });
  const started = Date.now();
  let plannedAt = started;
  const result = await engine.deploy(config, { confirm: async () => { plannedAt = Date.now(); return true; } });
  const wallMs = Date.now() - started;
  // The plan (read-only checks) precedes every step, so it is the root of the dependency chain.
  const timings = [{ id: 'plan', deps: [], startedAt: started, endedAt: plannedAt }, ...result.timings.map((t) => ({ ...t, deps: t.deps.length > 0 ? t.deps : ['plan'] }))];
  await engine.destroy('bench', { deleteData: true });
  engine.dispose();
  rmSync(home, { recursive: true, force: true });
  return { wallMs, timings };
}

async function main(): Promise<void> {
  const emulator = await startEmulator();
  try {
    const counter = new LatencyInjector({ scale: 1, ...REAL_LATENCIES, callMs: 0, mountTargetMs: 0, instanceRunningMs: 0, profilePropagationMs: 0 });
    const plain = await deployOnce(emulator.endpoint, counter, { pollIntervalMs: 20 });
    await emulator.reset();
    const calls = [...counter.callsByOperation.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
    const total = calls.reduce((sum, [, n]) => sum + n, 0);
    console.log(`Dev deploy against moto (no latency model): ${total} AWS calls (deploy + destroy), wall ${plain.wallMs} ms`);
    for (const [operation, count] of calls) console.log(`  ${String(count).padStart(4)}  ${operation}`);

    const model = { scale: SCALE, ...REAL_LATENCIES };
    const modelled = new LatencyInjector(model);
    const run = await deployOnce(emulator.endpoint, modelled, scaledTiming(SCALE));
    const chainMs = criticalPathMs(run.timings);
    const ratio = run.wallMs / chainMs;
    console.log(`\nWith the real-AWS latency model scaled 1/${SCALE} (mount target ${REAL_LATENCIES.mountTargetMs / 1000} s, instance running ${REAL_LATENCIES.instanceRunningMs / 1000} s, IAM propagation ${REAL_LATENCIES.profilePropagationMs / 1000} s, other calls ${REAL_LATENCIES.callMs} ms):`);
    console.log(`  wall time            ${run.wallMs} ms (≈ ${((run.wallMs * SCALE) / 1000).toFixed(0)} s on real AWS)`);
    console.log(`  longest dep. chain   ${chainMs} ms`);
    console.log(`  ratio                ${ratio.toFixed(3)} (target ≤ ${TARGET})  ${ratio <= TARGET ? 'OK' : 'OVER TARGET'}`);
    const byStep = [...run.timings].sort((a, b) => a.startedAt - b.startedAt);
    const t0 = byStep[0]?.startedAt ?? 0;
    for (const t of byStep) console.log(`    ${t.id.padEnd(18)} ${String(t.startedAt - t0).padStart(6)} → ${String(t.endedAt - t0).padStart(6)} ms`);
    if (ratio > TARGET) process.exitCode = 1;
  } finally {
    await emulator.stop();
  }
}

void main();
