import { InvalidArgumentError, Option } from 'commander';
import type { RegisterCommand } from '../cli-runtime.ts';
import type { StatusOptions } from './status.ts';

const positiveInt = (flag: string) => (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError(`${flag} expects a positive integer, got "${value}"`);
  return n;
};

export const registerStatus: RegisterCommand = (program, runtime) => {
  /** `--watch`: an ink dashboard on a terminal; elsewhere one status (text, or a JSON line) per refresh until SIGINT. */
  async function watch(options: StatusOptions, intervalMs: number, asJson: boolean, color: boolean): Promise<void> {
    const { runStatus, watchStatus } = await import('./status.ts');
    if (runtime.isTTY && process.stdin.isTTY && !asJson && !process.env.CI) {
      await runStatus(options); // bad input ends here with its one line, before the dashboard opens
      const { runStatusDashboard } = await import('../ui/run-status-dashboard.ts');
      await runStatusDashboard(() => runStatus(options), intervalMs, { stdout: process.stdout, stdin: process.stdin });
      return;
    }
    const { renderStatus } = await import('../report/status-text.ts');
    const controller = new AbortController();
    const stop = () => controller.abort();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    try {
      await watchStatus(options, intervalMs, controller.signal, (r) => {
        if (r instanceof Error) runtime.err.write(`${new Date().toISOString()} cannot refresh: ${r.message}\n`);
        else runtime.out.write(asJson ? `${JSON.stringify(r)}\n` : `${r.at}\n${renderStatus(r, color)}\n`);
      });
    } finally {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
    }
  }

  program
    .command('status')
    .argument('[domain]', 'one context (default: every context in strangler.yaml)')
    .description('where each context stands: phase, sync lag both ways, last parity result, traffic split, 5xx, rollbacks, and the next step')
    .option('--proxy-admin <host:port>', "the proxy's admin address (default: proxy.admin)")
    .option('--watch [seconds]', 'refresh every few seconds (default 2) until interrupted: a live dashboard in a terminal, one status per refresh otherwise', positiveInt('--watch'))
    .addOption(new Option('--json', 'print the status as JSON').hideHelp())
    .action(async (domain: string | undefined, opts: { proxyAdmin?: string; watch?: number | true; json?: boolean }) => {
      const g = runtime.globals();
      const options: StatusOptions = { configFile: g.config, domain, proxyAdmin: opts.proxyAdmin };
      const asJson = g.json || Boolean(opts.json);
      if (opts.watch !== undefined) {
        await watch(options, (opts.watch === true ? 2 : opts.watch) * 1000, asJson, g.color);
        return;
      }
      const { runStatus } = await import('./status.ts');
      const r = await runStatus(options);
      if (asJson) {
        const { json } = await import('../report/format.ts');
        runtime.out.write(json(r));
      } else {
        const { renderStatus } = await import('../report/status-text.ts');
        runtime.out.write(renderStatus(r, g.color));
      }
    });
};
