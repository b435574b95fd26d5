/**
 * `npm run bench`: a dev deploy and a gpu deploy against the emulator, reporting AWS calls by operation, wall time,
 * and — under a scaled real-AWS latency model — how close the graph runs to its longest dependency chain.
 * Target: wall / longest chain ≤ 1.10. First, the start-up figures (bench-startup.ts: CLI CPU against node, the
 * extension's activate(), bundle sizes). Then the capacity model (capacity-report.ts: one n8n instance vs queue-mode
 * worker pools on Auto Scaling, simulated; docs/capacity-model.md). Not part of the tests: timings belong here, not in assertions.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmulator } from '../test/harness/emulator';
import { Engine } from '../src/engine/engine';
import { criticalPathMs, type StepTiming } from '../src/engine/graph/run-graph';
import { stackConfigSchema, type StackConfigInput } from '../src/engine/stack/config';
import { RecordedQuotas } from '../test/fixtures/quotas/recorded';
import { DEFAULT_TIMING, type EngineTiming } from '../src/engine/context';
import { LatencyInjector, REAL_LATENCIES } from './latency-model';
import { benchCodeServer, benchStartup } from './bench-startup';
import { capacityReport } from './capacity-report';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
process.env.AWS_ACCESS_KEY_ID ??= 'testing';
process.env.AWS_SECRET_ACCESS_KEY ??= 'testing';
// moto spends real milliseconds per call; a gentle scale keeps that small next to the modelled latencies.
const SCALE = Number(process.env.BENCH_SCALE ?? 10);
const TARGET = 1.1;
const BENCH_DEV: StackConfigInput = { name: 'bench', region: 'us-east-1', instanceType: 't3.xlarge' };
const BENCH_GPU: StackConfigInput = { name: 'bench', region: 'us-east-1', tier: 'gpu', instanceType: 'g5.xlarge', rootVolumeGb: 100 };

function scaledTiming(scale: number): EngineTiming {
  const timing = { ...DEFAULT_TIMING };
  for (const key of Object.keys(timing) as (keyof EngineTiming)[]) {
    const value = timing[key];
    if (typeof value === 'number') Object.assign(timing, { [key]: value / scale });
  }
  return timing;
}

interface Run {
  wallMs: number;
  timings: StepTiming[];
}

async function deployOnce(endpoint: string, injector: LatencyInjector | undefined, timing: Partial<EngineTiming>, input: StackConfigInput = BENCH_DEV): Promise<Run> {
  const home = mkdtempSync(join(tmpdir(), 'gm-bench-'));
  process.env.GEUSEMAKER_HOME = home;
  // moto has no EC2 quotas: the GPU preflight reads recorded answers (8 vCPUs on-demand and spot).
  const quotas = new RecordedQuotas({ 'L-DB2E81BA': 'g-on-demand-8.json', 'L-3819A6DF': 'g-spot-8.json' });
  const engine = new Engine({ stateDir: join(home, 'stacks'), endpoint, maxAttempts: 3, timing, instrument: injector?.instrument, quotas: () => quotas });
  const config = stackConfigSchema.parse(input);
  const started = Date.now();
  let plannedAt = started;
  const result = await engine.deploy(config, { confirm: async () => { plannedAt = Date.now(); return true; } });
  const wallMs = Date.now() - started;
  // The plan (read-only checks) precedes every step, so it is the root of the dependency chain.
  const timings = [{ id: 'plan', deps: [], startedAt: started, endedAt: plannedAt }, ...result.timings.map((t) => ({ ...t, deps: t.deps.length > 0 ? t.deps : ['plan'] }))];
  await engine.destroy(config.name, { deleteData: true });
  engine.dispose();
  rmSync(home, { recursive: true, force: true });
  return { wallMs, timings };
}

function printSteps(run: Run): void {
  const byStep = [...run.timings].sort((a, b) => a.startedAt - b.startedAt);
  const t0 = byStep[0]?.startedAt ?? 0;
  for (const t of byStep) console.log(`    ${t.id.padEnd(20)} ${String(t.startedAt - t0).padStart(6)} → ${String(t.endedAt - t0).padStart(6)} ms`);
}

function report(label: string, run: Run, chainMs: number): number {
  const ratio = run.wallMs / chainMs;
  console.log(`  ${label}`);
  console.log(`    wall time            ${run.wallMs} ms (≈ ${((run.wallMs * SCALE) / 1000).toFixed(0)} s on real AWS)`);
  console.log(`    longest dep. chain   ${chainMs} ms`);
  console.log(`    ratio                ${ratio.toFixed(3)}`);
  return ratio;
}

async function main(): Promise<void> {
  for (const line of benchStartup()) console.log(line);
  for (const line of await benchCodeServer()) console.log(line);
  console.log('');
  for (const line of capacityReport()) console.log(line);
  console.log('');
  const emulator = await startEmulator();
  try {
    const counter = new LatencyInjector({ scale: 1, ...REAL_LATENCIES, callMs: 0, mountTargetMs: 0, instanceRunningMs: 0, groupInServiceMs: 0, profilePropagationMs: 0, albActiveMs: 0, targetHealthyMs: 0, cloudFrontDeployMs: 0 });
    const plain = await deployOnce(emulator.endpoint, counter, { pollIntervalMs: 20 });
    await emulator.reset();
    const calls = [...counter.callsByOperation.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
    const total = calls.reduce((sum, [, n]) => sum + n, 0);
    console.log(`Dev deploy against moto (no latency model): ${total} AWS calls (deploy + destroy), wall ${plain.wallMs} ms`);
    for (const [operation, count] of calls) console.log(`  ${String(count).padStart(4)}  ${operation}`);

    const model = { scale: SCALE, ...REAL_LATENCIES };
    const modelled = new LatencyInjector(model);
    const run = await deployOnce(emulator.endpoint, modelled, scaledTiming(SCALE));
    await emulator.reset();
    const chainMs = criticalPathMs(run.timings);
    const ratio = run.wallMs / chainMs;
    console.log(`\nDev tier with the real-AWS latency model scaled 1/${SCALE} (mount target ${REAL_LATENCIES.mountTargetMs / 1000} s, instance in service in its group ${REAL_LATENCIES.groupInServiceMs / 1000} s, IAM propagation ${REAL_LATENCIES.profilePropagationMs / 1000} s, other calls ${REAL_LATENCIES.callMs} ms):`);
    console.log(`  wall time            ${run.wallMs} ms (≈ ${((run.wallMs * SCALE) / 1000).toFixed(0)} s on real AWS)`);
    console.log(`  longest dep. chain   ${chainMs} ms`);
    console.log(`  ratio                ${ratio.toFixed(3)} (target ≤ ${TARGET})  ${ratio <= TARGET ? 'OK' : 'OVER TARGET'}`);
    printSteps(run);

    // gpu tier: the ALB, CloudFront and the DLAMI instance in the same graph; then the same steps strictly one after another.
    console.log(`\nGpu tier (ALB active ${REAL_LATENCIES.albActiveMs / 1000} s, target healthy ${REAL_LATENCIES.targetHealthyMs / 1000} s, CloudFront deploy ${REAL_LATENCIES.cloudFrontDeployMs / 1000} s, plus the above), scaled 1/${SCALE}:`);
    const gpu = await deployOnce(emulator.endpoint, new LatencyInjector(model), scaledTiming(SCALE), BENCH_GPU);
    await emulator.reset();
    const gpuChain = criticalPathMs(gpu.timings);
    const gpuRatio = report('dependency graph', gpu, gpuChain);
    console.log(`    target ≤ ${TARGET}         ${gpuRatio <= TARGET ? 'OK' : 'OVER TARGET'}`);
    printSteps(gpu);
    const serial = await deployOnce(emulator.endpoint, new LatencyInjector(model), { ...scaledTiming(SCALE), serialSteps: true }, BENCH_GPU);
    // Measured against the real dependencies (the serial run's own chain is, by construction, all of it).
    const realDeps = new Map(gpu.timings.map((t) => [t.id, t.deps]));
    const serialChain = criticalPathMs(serial.timings.map((t) => ({ ...t, deps: realDeps.get(t.id) ?? t.deps })));
    report('strictly sequential (same steps, one at a time)', serial, serialChain);
    console.log(`    the graph is ${(serial.wallMs / gpu.wallMs).toFixed(2)}× faster than the sequential order`);
    if (ratio > TARGET || gpuRatio > TARGET) process.exitCode = 1;
  } finally {
    await emulator.stop();
  }
}

void main();
