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
    let child = await startWorkload(ctx, ctx.state.monolithUrl!);
    ctx.registry.add({ kind: 'process', what: `workload driver (pid ${child.pid})`, pid: child.pid }, () => child.stop());
    ctx.state.restartWorkload = async (baseUrl) => {
      await child.stop();
      child = await startWorkload(ctx, baseUrl);
    };
    return `playing against ${ctx.state.monolithUrl}`;
  },
};
