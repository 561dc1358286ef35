import { InvalidArgumentError, Option } from 'commander';
import type { RegisterCommand } from '../cli-runtime.ts';
import { UsageError } from '../errors.ts';
import type { SyncEvent } from '../sync/sync-events.ts';
import type { SyncRunResult } from '../sync/sync-engine.ts';

const positiveInt = (flag: string) => (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError(`${flag} expects a positive integer, got "${value}"`);
  return n;
};

/** Runs `work` with a signal that SIGINT or SIGTERM aborts (the sync stops cleanly after its current batch). */
async function untilInterrupted<T>(work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  const stop = () => controller.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    return await work(controller.signal);
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
}

export const registerSync: RegisterCommand = (program, runtime) => {
  /** A sync in the foreground: one line per event (on stderr with --json), the result when it stops. */
  async function foreground(asJson: boolean, run: (signal: AbortSignal, onEvent: (e: SyncEvent) => void) => Promise<SyncRunResult>): Promise<void> {
    const { syncEventPrinter, renderSyncRun } = await import('../report/sync-text.ts');
    const print = syncEventPrinter((s) => (asJson ? runtime.err.write(s) : runtime.out.write(s)));
    const r = await untilInterrupted((signal) => run(signal, print));
    const { json } = await import('../report/format.ts');
    runtime.out.write(asJson ? json(r) : renderSyncRun(r));
  }

  /** `sync status --watch`: an ink dashboard on a terminal; elsewhere one status (text or a JSON line) per refresh. */
  async function watchStatus(options: import('./sync.ts').SyncStatusOptions, intervalMs: number, asJson: boolean, color: boolean): Promise<void> {
    const { runSyncStatus, watchSyncStatus } = await import('./sync.ts');
    const { renderSyncStatus } = await import('../report/sync-text.ts');
    if (runtime.isTTY && process.stdin.isTTY && !asJson && !process.env.CI) {
      const { runSyncDashboard } = await import('../ui/run-sync-dashboard.ts');
      await runSyncDashboard(async () => renderSyncStatus(await runSyncStatus(options), color), intervalMs, { stdout: process.stdout, stdin: process.stdin });
      return;
    }
    await untilInterrupted((signal) =>
      watchSyncStatus(options, intervalMs, signal, (r) => {
        if (r instanceof Error) runtime.err.write(`${new Date().toISOString()} cannot refresh: ${r.message}\n`);
        else if (asJson) runtime.out.write(`${JSON.stringify({ at: new Date().toISOString(), ...r })}\n`);
        else runtime.out.write(`${new Date().toISOString()}\n${renderSyncStatus(r, color)}\n`);
      }),
    );
  }


  const sync = program
    .command('sync')
    .description("keep a service's database in step with the monolith's: consistent backfill, then change data capture");

  const common = (cmd: ReturnType<typeof sync.command>) =>
    cmd
      .option('--source <url>', 'monolith database (default: monolith.database)')
      .option('--target <url>', 'service database (default: contexts.<domain>.service.database)');

  common(sync.command('start').argument('<domain>', 'the context (contexts.<domain> in strangler.yaml)'))
    .description('backfill the service tables from a consistent snapshot, then stream changes (foreground unless --detach)')
    .addOption(new Option('--via <transport>', 'direct (slot -> service) or kafka (slot -> topics -> service)').choices(['direct', 'kafka']))
    .option('--batch-size <n>', 'changes per service transaction (default: sync.batchSize)', positiveInt('--batch-size'))
    .option('--max-retries <n>', 'give up after n failed reconnection attempts in a row (default: retry forever)', positiveInt('--max-retries'))
    .option('--detach', 'run in the background with a pid and log file under .strangler/')
    .action(async (domain: string, opts: { source?: string; target?: string; via?: string; batchSize?: number; maxRetries?: number; detach?: boolean }) => {
      const g = runtime.globals();
      const base = { domain, configFile: g.config, configExplicit: g.configExplicit, source: opts.source, target: opts.target, via: opts.via };
      if (opts.detach) {
        const { detachSyncStart } = await import('./sync.ts');
        const r = await detachSyncStart({ ...base, argv: process.argv });
        const { renderDetach } = await import('../report/sync-text.ts');
        const { json } = await import('../report/format.ts');
        runtime.out.write(g.json ? json(r) : renderDetach(r));
        return;
      }
      const { runSyncStart } = await import('./sync.ts');
      await foreground(g.json, (signal, onEvent) => runSyncStart({ ...base, batchSize: opts.batchSize, maxRetries: opts.maxRetries, signal, onEvent }));
    });

  common(sync.command('reverse').argument('<domain>', 'the context (needs contexts.<domain>.sync.reverse: true)'))
    .description('dual-write phase: stream service changes back into the monolith, with loop prevention and the sync.conflicts policy (foreground unless --detach)')
    .option('--batch-size <n>', 'changes per monolith transaction (default: sync.batchSize)', positiveInt('--batch-size'))
    .option('--max-retries <n>', 'give up after n failed reconnection attempts in a row (default: retry forever)', positiveInt('--max-retries'))
    .option('--detach', 'run in the background with a pid and log file under .strangler/ (stop with sync stop <domain> --reverse)')
    .action(async (domain: string, opts: { source?: string; target?: string; batchSize?: number; maxRetries?: number; detach?: boolean }) => {
      const g = runtime.globals();
      if (opts.detach) {
        const { detachSyncStart } = await import('./sync.ts');
        const r = await detachSyncStart({ domain, configFile: g.config, configExplicit: g.configExplicit, source: opts.source, target: opts.target, argv: process.argv, reverse: true });
        const { renderDetach } = await import('../report/sync-text.ts');
        const { json } = await import('../report/format.ts');
        runtime.out.write(g.json ? json(r) : renderDetach(r));
        return;
      }
      const { runSyncReverse } = await import('./sync-reverse.ts');
      await foreground(g.json, (signal, onEvent) =>
        runSyncReverse({
          domain, configFile: g.config, configExplicit: g.configExplicit, source: opts.source, target: opts.target,
          batchSize: opts.batchSize, maxRetries: opts.maxRetries, signal, onEvent,
        }),
      );
    });

  common(sync.command('status').argument('[domain]', 'one context (default: every context with tables)'))
    .description('lag (bytes, seconds), retained WAL, slot state, last applied position, rows applied')
    .option('--warn-retained <MB>', 'warn when a slot retains more WAL than this (default 1024)', positiveInt('--warn-retained'))
    .option('--watch [seconds]', 'refresh every few seconds (default 2) until interrupted: a live dashboard in a terminal, one status per refresh otherwise', positiveInt('--watch'))
    .addOption(new Option('--json', 'print the status as JSON').hideHelp())
    .action(async (domain: string | undefined, opts: { source?: string; target?: string; warnRetained?: number; json?: boolean; watch?: number | true }) => {
      const g = runtime.globals();
      const statusOptions = { domain, configFile: g.config, source: opts.source, target: opts.target, warnRetainedMb: opts.warnRetained };
      if (opts.watch !== undefined) {
        await watchStatus(statusOptions, (opts.watch === true ? 2 : opts.watch) * 1000, g.json || Boolean(opts.json), g.color);
        return;
      }
      const { runSyncStatus } = await import('./sync.ts');
      const r = await runSyncStatus(statusOptions);
      if (g.json || opts.json) {
        const { json } = await import('../report/format.ts');
        runtime.out.write(json(r));
      } else {
        const { renderSyncStatus } = await import('../report/sync-text.ts');
        runtime.out.write(renderSyncStatus(r, g.color));
      }
    });

  sync
    .command('stop')
    .argument('<domain>', 'the context')
    .description('signal the background sync; it stops cleanly after its current batch')
    .option('--reverse', 'stop the background reverse sync instead')
    .action(async (domain: string, opts: { reverse?: boolean }) => {
      const g = runtime.globals();
      const { runSyncStop } = await import('./sync.ts');
      const r = await runSyncStop({ domain, configFile: g.config, reverse: opts.reverse });
      const { renderStop } = await import('../report/sync-text.ts');
      const { json } = await import('../report/format.ts');
      runtime.out.write(g.json ? json(r) : renderStop(r));
      if (!r.stopped) runtime.exitCode = 3;
    });

  common(sync.command('connect-config').argument('<domain>', 'the context'))
    .description('write the equivalent Debezium source and JDBC sink connector configs for Kafka Connect to services/<domain>/deploy/')
    .option('--out <dir>', 'write the services/ tree under this directory (default: next to strangler.yaml)')
    .option('--dry-run', 'show what would be written')
    .option('-f, --force', 'overwrite connector files edited since they were generated')
    .action(async (domain: string, opts: { source?: string; target?: string; out?: string; dryRun?: boolean; force?: boolean }) => {
      const g = runtime.globals();
      const { runSyncConnectConfig } = await import('./sync-connect-config.ts');
      const r = await runSyncConnectConfig({ domain, configFile: g.config, configExplicit: g.configExplicit, source: opts.source, target: opts.target, outDir: opts.out, dryRun: opts.dryRun, force: opts.force });
      const { renderConnectConfig } = await import('../report/connect-config-text.ts');
      const { json } = await import('../report/format.ts');
      runtime.out.write(g.json ? json(r) : renderConnectConfig(r));
    });

  common(sync.command('teardown').argument('<domain>', 'the context'))
    .description("drop the context's replication slot and publication (asks first; --yes to skip)")
    .option('-y, --yes', 'do not ask for confirmation')
    .action(async (domain: string, opts: { source?: string; target?: string; yes?: boolean }) => {
      const g = runtime.globals();
      let confirmed = Boolean(opts.yes);
      if (!confirmed) {
        if (!process.stdin.isTTY || !runtime.isTTY) {
          throw new UsageError(`sync teardown ${domain}: refusing to drop the slot and publication without confirmation in a non-interactive session`, 'pass --yes');
        }
        const { createInterface } = await import('node:readline/promises');
        const rl = createInterface({ input: process.stdin, output: process.stdout });
        const answer = await rl.question(`Drop the replication slot and publication of ${domain}? The service keeps its data. [y/N] `);
        rl.close();
        confirmed = /^y(es)?$/i.test(answer.trim());
        if (!confirmed) {
          runtime.out.write('nothing dropped\n');
          return;
        }
      }
      const { runSyncTeardown } = await import('./sync.ts');
      const r = await runSyncTeardown({ domain, configFile: g.config, configExplicit: g.configExplicit, source: opts.source, target: opts.target, confirmed });
      const { renderTeardown } = await import('../report/sync-text.ts');
      const { json } = await import('../report/format.ts');
      runtime.out.write(g.json ? json(r) : renderTeardown(r));
    });
};
