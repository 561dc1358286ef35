/** Steps 3-4: the bundled sample monolith (migrations, seed, HTTP server) and its workload driver, as processes. */
import path from 'node:path';
import { startChild, type RunningChild } from '../child-process.ts';
import { logFile, type DemoContext } from '../demo-context.ts';
import { SAMPLE_MONOLITH, tsxNodeArgs } from '../runtime-paths.ts';
import type { DemoStep } from './step.ts';

export function childEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  return { ...process.env, NO_COLOR: '1', ...extra };
}

export const startMonolithStep: DemoStep = {
  id: 'monolith',
  title: 'Start the sample monolith',
  why: (ctx) => `The bundled e-commerce shop (express + knex, 33 tables, 52 routes) migrates its database, seeds it (scale ${ctx.options.scale ?? 1}) and serves HTTP, as it would in production.`,
  async run(ctx) {
    const child = await startChild({
      what: 'the sample monolith',
      command: process.execPath,
      args: [...tsxNodeArgs(), path.join(SAMPLE_MONOLITH, 'scripts', 'serve.ts')],
      cwd: SAMPLE_MONOLITH,
      env: childEnv({ DATABASE_URL: ctx.state.monolithDatabase!, PORT: '0', SCALE: String(ctx.options.scale ?? 1) }),
      logFile: logFile(ctx, 'monolith.log'),
      ready: /shop listening on (http:\/\/\S+)/,
      readyTimeoutMs: 180_000,
      signal: ctx.signal,
    });
    const url = child.match[1]!;
    const port = Number(new URL(url).port);
    ctx.registry.add({ kind: 'process', what: `sample monolith (pid ${child.pid}, port ${port})`, pid: child.pid, ports: [port] }, () => child.stop());
    ctx.state.monolithUrl = url;
    return `serving on ${url}`;
  },
};

/** What the sample's workload driver prints when it stops (fixtures/sample-monolith/src/workload.ts). */
interface WorkloadSummary {
  requests: number;
  byStatus: Record<string, number>;
  errors: number;
}

function describeWorkload(w: WorkloadSummary): string {
  const serverErrors = Object.entries(w.byStatus).filter(([status]) => Number(status) >= 500).reduce((n, [, c]) => n + c, 0);
  return `${w.requests} requests, ${serverErrors} answered 5xx, ${w.errors - serverErrors} connection errors`;
}

async function startWorkload(ctx: DemoContext, baseUrl: string): Promise<RunningChild> {
  return startChild({
    what: 'the workload driver',
    command: process.execPath,
    args: [...tsxNodeArgs(), path.join(SAMPLE_MONOLITH, 'scripts', 'workload.ts')],
    cwd: SAMPLE_MONOLITH,
    env: childEnv({ BASE_URL: baseUrl, RATE: String(ctx.options.workloadRate ?? 20), CONCURRENCY: '2' }),
    logFile: logFile(ctx, 'workload.log'),
    ready: /workload playing against/,
    signal: ctx.signal,
  });
}

export const startWorkloadStep: DemoStep = {
  id: 'workload',
  title: 'Start the workload driver',
  why: (ctx) => `Shoppers browse, review, fill carts and check out (about ${ctx.options.workloadRate ?? 20} requests/s): the monolith keeps taking reads and writes for the whole migration.`,
  async run(ctx) {
    // each driver is released on its own: stopped, its summary told
    const released = (child: RunningChild, target: string) => async () => {
      await child.stop();
      const summary = /workload summary (\{.*\})/.exec(child.output())?.[1];
      if (summary) ctx.emit({ type: 'note', text: `the shoppers against ${target}: ${describeWorkload(JSON.parse(summary) as WorkloadSummary)}` });
    };
    const once = (r: () => Promise<void>) => {
      let done: Promise<void> | undefined;
      return () => (done ??= r());
    };
    let child = await startWorkload(ctx, ctx.state.monolithUrl!);
    let current = once(released(child, ctx.state.monolithUrl!));
    ctx.registry.add({ kind: 'process', what: `workload driver (pid ${child.pid})`, pid: child.pid }, current);
    // Aimed at the proxy, it is registered again: released before the proxy, so no shopper meets a closed port.
    ctx.state.restartWorkload = async (baseUrl) => {
      await current();
      child = await startWorkload(ctx, baseUrl);
      current = once(released(child, baseUrl));
      ctx.registry.add({ kind: 'process', what: `workload driver through ${baseUrl} (pid ${child.pid})`, pid: child.pid }, current);
    };
    return `playing against ${ctx.state.monolithUrl}`;
  },
};
