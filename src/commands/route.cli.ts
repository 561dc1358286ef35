import type { RegisterCommand } from '../cli-runtime.ts';

export const registerRoute: RegisterCommand = (program, runtime) => {
  const route = program.command('route').description('move a context\'s routes from the monolith to its service step by step: shadow, sticky canary, service');
  const print = async (value: unknown, text: () => Promise<string>) => {
    const { json } = await import('../report/format.ts');
    runtime.out.write(runtime.globals().json ? json(value) : await text());
  };

  route
    .command('plan')
    .argument('<domain>', 'the context (contexts.<domain> in strangler.yaml)')
    .description("the context's routes (method + path pattern) and the service's base URL, written into strangler.yaml")
    .option('--service-url <url>', "the service's base URL (contexts.<domain>.service.url)")
    .option('--dry-run', 'print what would change without writing strangler.yaml')
    .action(async (domain: string, opts: { serviceUrl?: string; dryRun?: boolean }) => {
      const { runRoutePlan } = await import('./route.ts');
      const r = await runRoutePlan({ domain, configFile: runtime.globals().config, serviceUrl: opts.serviceUrl, dryRun: opts.dryRun });
      await print(r, async () => (await import('../report/route-text.ts')).renderRoutePlan(r, Boolean(opts.dryRun)));
    });

  route
    .command('shift')
    .argument('<domain>', 'the context')
    .requiredOption('--to <phase>', 'shadow, a canary percentage (e.g. 10), service or retired')
    .option('--force', 'move on without a green parity result (.strangler/parity/<domain>.json)')
    .option('--dry-run', 'print what would change without writing strangler.yaml')
    .description('move the context forward one phase or to a larger canary share (refused without green parity when leaving shadow)')
    .action(async (domain: string, opts: { to: string; force?: boolean; dryRun?: boolean }) => {
      const { runRouteShift } = await import('./route.ts');
      const r = await runRouteShift({ domain, configFile: runtime.globals().config, to: opts.to, force: opts.force, dryRun: opts.dryRun });
      await print(r, async () => (await import('../report/route-text.ts')).renderRouteShift(r, Boolean(opts.dryRun)));
    });

  route
    .command('rollback')
    .argument('<domain>', 'the context')
    .option('--dry-run', 'print what would change without writing strangler.yaml')
    .description('move the context one phase back (service -> canary -> shadow -> monolith)')
    .action(async (domain: string, opts: { dryRun?: boolean }) => {
      const { runRouteRollback } = await import('./route.ts');
      const r = await runRouteRollback({ domain, configFile: runtime.globals().config, dryRun: opts.dryRun });
      await print(r, async () => (await import('../report/route-text.ts')).renderRouteShift(r, Boolean(opts.dryRun)));
    });

  route
    .command('status')
    .argument('[domain]', 'one context (default: every context with routes)')
    .option('--admin <host:port>', "the proxy's admin address (default: proxy.admin)")
    .description('desired phase per context, and what the running proxy applies (splits, automatic rollbacks, ejections)')
    .action(async (domain: string | undefined, opts: { admin?: string }) => {
      const { runRouteStatus } = await import('./route.ts');
      const r = await runRouteStatus({ domain, configFile: runtime.globals().config, admin: opts.admin });
      await print(r, async () => (await import('../report/route-text.ts')).renderRouteStatus(r));
    });

  route
    .command('export')
    .argument('[domain]', 'the context to export (or --all)')
    .option('--all', 'every context with routes')
    .option('--format <format>', 'nginx, haproxy, kong or istio')
    .option('--out <file>', 'write the configuration to this file (temporary file, then renamed) instead of stdout')
    .option('--force', 'overwrite --out even when it was edited since strangler wrote it')
    .description("the production gateway's configuration (nginx, HAProxy, Kong decK, Istio) from the route table: sticky canary split, shadow mirror, health checks")
    .action(async (domain: string | undefined, opts: { all?: boolean; format?: string; out?: string; force?: boolean }) => {
      const { runRouteExport } = await import('./route-export.ts');
      const r = await runRouteExport({ configFile: runtime.globals().config, domain, ...opts });
      const text = await import('../report/route-export-text.ts');
      runtime.err.write(text.renderRouteExportWarnings(r));
      await print(r, async () => text.renderRouteExport(r));
    });
};
