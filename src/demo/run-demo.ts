/**
 * `strangler demo`: the whole flow for one context of the bundled sample monolith, on infrastructure it starts itself.
 *
 *   1. checkDemoOptions   the folder is new or empty, the context is one of the sample's
 *   2. prepare            the folder, its logs/, a data folder, the registry of started resources
 *   3. the steps          each announced with the sentence that explains it; the first failure or an interruption ends them
 *   4. cleanup            every started resource released in reverse order, on success, failure and interruption
 */
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { readPartition } from '../analyzers/partition/read-partition.ts';
import { InterruptedError, isStranglerError, UsageError } from '../errors.ts';
import type { DemoContext, DemoOptions } from './demo-context.ts';
import type { DemoEvent, DemoOutcome, DemoSummary } from './demo-events.ts';
import { ResourceRegistry } from './resource-registry.ts';
import { SAMPLE_MONOLITH } from './runtime-paths.ts';
import { analyzeStep, contextAddStep } from './steps/analysis.ts';
import { startKafkaStep, startPostgresStep } from './steps/infrastructure.ts';
import { startMonolithStep, startWorkloadStep } from './steps/monolith.ts';
import { verifyParityStep } from './steps/parity.ts';
import { extractStep, startServiceStep } from './steps/service.ts';
import type { DemoStep } from './steps/step.ts';
import { syncStep } from './steps/sync.ts';
import { canaryStep, NoRoutesMoved, proxyShadowStep, serviceStep } from './steps/traffic.ts';

export type { DemoOptions };

export const DEMO_STEPS: DemoStep[] = [
  startPostgresStep,
  startKafkaStep,
  startMonolithStep,
  startWorkloadStep,
  analyzeStep,
  contextAddStep,
  extractStep,
  startServiceStep,
  syncStep,
  proxyShadowStep,
  verifyParityStep,
  canaryStep,
  serviceStep,
];


export interface DemoRun {
  summary: DemoSummary;
  /** Why it stopped early: the step's error (its exit code is the command's), or an InterruptedError. */
  error?: unknown;
}

// 1.
export async function checkDemoOptions(o: DemoOptions): Promise<void> {
  const intended = await readPartition(path.join(SAMPLE_MONOLITH, 'domains.yaml'));
  if (!(o.context in intended.contexts)) {
    throw new UsageError(`--context: the sample monolith has no context "${o.context}"`, `use one of ${Object.keys(intended.contexts).join(', ')}`);
  }
  if (existsSync(o.dir)) {
    const entries = await readdir(o.dir).catch(() => {
      throw new UsageError(`--dir: ${o.dir} exists and is not a readable folder`, 'pass a new folder with --dir <folder>');
    });
    if (entries.length > 0) throw new UsageError(`--dir: ${o.dir} is not empty`, 'pass a new or empty folder with --dir <folder>, or remove it');
  }
}

// 2.
async function prepare(o: DemoOptions, signal: AbortSignal, emit: (e: DemoEvent) => void): Promise<DemoContext> {
  const dir = path.resolve(o.dir);
  await mkdir(path.join(dir, 'logs'), { recursive: true });
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'strangler-demo-'));
  // as root the embedded server runs as `postgres`, which must reach its data directory inside
  if (process.getuid?.() === 0) await chmod(dataDir, 0o755);
  const registry = new ResourceRegistry(path.join(dir, 'demo-resources.json'));
  const ctx: DemoContext = { options: o, dir, configFile: path.join(dir, 'strangler.yaml'), dataDir, logsDir: path.join(dir, 'logs'), registry, state: {}, signal, emit, kept: [], notDone: [] };
  registry.add({ kind: 'folder', what: `data folder ${dataDir}`, path: dataDir }, async () => {
    if (!o.keep) await rm(dataDir, { recursive: true, force: true });
  });
  return ctx;
}

// 3.
async function runSteps(ctx: DemoContext, steps: DemoStep[]): Promise<{ stoppedAt?: string; error?: unknown }> {
  const left = (from: number) => steps.slice(from).map((s) => s.title).join(', ');
  for (const [index, step] of steps.entries()) {
    if (ctx.signal.aborted) return { stoppedAt: step.id, error: new InterruptedError('interrupted') };
    ctx.emit({ type: 'step', id: step.id, title: step.title, why: step.why(ctx), index: index + 1, total: steps.length });
    const started = Date.now();
    try {
      const summary = await step.run(ctx);
      ctx.emit({ type: 'step-done', id: step.id, summary, ms: Date.now() - started });
    } catch (e) {
      if (e instanceof NoRoutesMoved && !ctx.signal.aborted) {
        // not a failure: the flow cannot go on honestly, and says why
        ctx.notDone.push(`${left(index)}: ${e.message} (${ctx.state.notMovedWhy ?? 'see SEAMS.md'})`);
        ctx.emit({ type: 'step-skipped', id: step.id, reason: e.message });
        return { stoppedAt: step.id };
      }
      const error = ctx.signal.aborted ? new InterruptedError('interrupted') : e;
      ctx.emit({ type: 'step-failed', id: step.id, message: messageOf(error) });
      return { stoppedAt: step.id, error };
    }
  }
  return {};
}

function messageOf(e: unknown): string {
  return isStranglerError(e) ? e.oneLine() : ((e as Error)?.message ?? String(e));
}

async function artifactsOf(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  return entries.filter((e) => e.name !== 'node_modules').map((e) => (e.isDirectory() ? `${e.name}/` : e.name)).sort();
}

export async function runDemo(o: DemoOptions, signal: AbortSignal, emit: (e: DemoEvent) => void, steps: DemoStep[] = DEMO_STEPS): Promise<DemoRun> {
  await checkDemoOptions(o);
  const ctx = await prepare(o, signal, emit);
  emit({ type: 'start', dir: ctx.dir, steps: steps.map((s) => ({ id: s.id, title: s.title })) });
  const { stoppedAt, error } = await runSteps(ctx, steps);
  // 4.
  emit({ type: 'cleanup-start', count: ctx.registry.started.length });
  const cleanup = await ctx.registry.releaseAll((r) => emit({ type: 'cleanup', ...r }));
  const outcome: DemoOutcome = error instanceof InterruptedError || signal.aborted ? 'interrupted' : error ? 'failed' : 'done';
  const summary: DemoSummary = {
    outcome,
    dir: ctx.dir,
    ...(stoppedAt ? { stoppedAt } : {}),
    ...(error ? { error: messageOf(error) } : {}),
    notDone: ctx.notDone,
    artifacts: await artifactsOf(ctx.dir),
    kept: ctx.kept,
    cleanup,
    syncVia: ctx.state.kafkaBrokers ? 'kafka' : ctx.state.noKafkaReason ? 'direct' : undefined,
  };
  emit({ type: 'finished', result: summary });
  return { summary, ...(error ? { error: outcome === 'interrupted' ? new InterruptedError('interrupted') : error } : {}) };
}
