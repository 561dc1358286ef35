/** Steps 7-8: extract the context into a service, then migrate its database and start it as a process. */
import { execa } from 'execa';
import { existsSync } from 'node:fs';
import { rm, symlink } from 'node:fs/promises';
import path from 'node:path';
import { runExtract } from '../../commands/extract.ts';
import { EnvironmentError } from '../../errors.ts';
import { SERVICE_DEPENDENCIES } from '../../generators/service/service-files.ts';
import { startChild } from '../child-process.ts';
import { logFile, type DemoContext } from '../demo-context.ts';
import { nodeModulesWith, tsxNodeArgs } from '../runtime-paths.ts';
import { childEnv } from './monolith.ts';
import type { DemoStep } from './step.ts';

export const extractStep: DemoStep = {
  id: 'extract',
  title: 'strangler extract',
  why: (ctx) => `Writes services/${ctx.options.context}/: an express service with the context's code moved out of the monolith, knex migrations of its tables, health, metrics, tracing and the deployment kit.`,
  async run(ctx) {
    const r = await runExtract({ domain: ctx.options.context, configFile: ctx.configFile, force: false, dryRun: false });
    ctx.state.serviceRoot = r.root;
    ctx.state.movedRoutes = r.movedRoutes;
    if (r.movedRoutes === 0 && r.notMoved.length > 0) ctx.state.notMovedWhy = r.notMoved[0]!.why;
    if (r.movedRoutes === 0 && r.notMoved.length > 0) ctx.emit({ type: 'note', text: `no route moved into the service (${r.notMoved[0]!.why}): it answers none of ${ctx.options.context}'s routes yet` });
    return `${r.plan.files.length} files in ${path.relative(ctx.dir, r.root)}/; ${r.movedRoutes} routes moved, ${r.seams.length} seams listed in SEAMS.md`;
  },
};

/**
 * The generated service imports express, knex, pino, OpenTelemetry...: a node_modules that has them all (the
 * checkout's, or the one strangler is installed in) is linked next to it; otherwise they are installed with npm.
 */
async function provideDependencies(ctx: DemoContext, root: string): Promise<string> {
  const found = nodeModulesWith(Object.keys(SERVICE_DEPENDENCIES));
  const link = path.join(ctx.dir, 'node_modules');
  if (found) {
    if (!existsSync(link)) {
      await symlink(found, link, 'dir');
      ctx.registry.add({ kind: 'link', what: `node_modules link to ${found}`, path: link }, () => (ctx.options.keep ? Promise.resolve() : rm(link, { force: true })));
    }
    return `dependencies from ${found}`;
  }
  const r = await execa('npm', ['install', '--omit=dev', '--no-audit', '--no-fund'], { cwd: root, reject: false, all: true, cancelSignal: ctx.signal });
  if (r.exitCode !== 0) throw new EnvironmentError(`npm install in ${root} failed (exit ${r.exitCode}): ${String(r.all).trim().split('\n').at(-1)}`, 'check the npm registry access, or install strangler with its optional dependencies');
  return 'dependencies installed with npm';
}

export const startServiceStep: DemoStep = {
  id: 'service',
  title: 'Start the generated service',
  why: (ctx) => `The new ${ctx.options.context} service starts on its own, still empty, database (the sync creates and fills its tables next); nobody calls it until the proxy sends it traffic.`,
  async run(ctx) {
    const root = ctx.state.serviceRoot!;
    const deps = await provideDependencies(ctx, root);
    // While seams remain, the moved code still reads some monolith tables and calls the monolith (the service's README)
    const env = childEnv({
      DATABASE_URL: ctx.state.serviceDatabase!,
      MONOLITH_DATABASE_URL: ctx.state.monolithDatabase!,
      MONOLITH_URL: ctx.state.monolithUrl!,
      HOST: '127.0.0.1',
      PORT: String(ctx.state.servicePort!),
      LOG_LEVEL: 'info',
    });
    // Its tables are created by the sync (from the monolith's definitions) rather than by its own knex migration:
    // the migration keeps the context's foreign keys, which the sync's per-table backfill cannot load into.
    const child = await startChild({
      what: `the ${ctx.options.context} service`,
      command: process.execPath,
      args: [...tsxNodeArgs(), 'src/server.ts'],
      cwd: root,
      env,
      logFile: logFile(ctx, 'service.log'),
      ready: /"msg":"listening"/,
      signal: ctx.signal,
    });
    ctx.registry.add({ kind: 'process', what: `${ctx.options.context} service (pid ${child.pid}, port ${ctx.state.servicePort})`, pid: child.pid, ports: [ctx.state.servicePort!] }, () => child.stop());
    return `serving on ${ctx.state.serviceUrl} (${deps})`;
  },
};
