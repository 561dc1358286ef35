import { InvalidArgumentError } from 'commander';
import type { RegisterCommand } from '../cli-runtime.ts';

const address = (flag: string) => (value: string) => {
  if (!/^[^:\s]+:\d+$/.test(value)) throw new InvalidArgumentError(`${flag} expects host:port, e.g. 127.0.0.1:8080, got "${value}"`);
  return value;
};

export const registerProxy: RegisterCommand = (program, runtime) => {
  const proxy = program
    .command('proxy')
    .description('route traffic by strangler.yaml: shadow, sticky canary, service; guardrails with automatic rollback (foreground unless --detach)')
    .option('--listen <host:port>', 'traffic address (default: proxy.listen)', address('--listen'))
    .option('--admin <host:port>', 'admin address for /metrics and /status (default: proxy.admin)', address('--admin'))
    .option('--shadow-log <file>', 'where shadow mismatches are appended (default: proxy.shadowLog)')
    .option('--detach', 'run in the background with a pid and log file under .strangler/ (stop with strangler proxy stop)')
    .action(async (opts: { listen?: string; admin?: string; shadowLog?: string; detach?: boolean }) => {
      const g = runtime.globals();
      const { json } = await import('../report/format.ts');
      const text = await import('../report/proxy-text.ts');
      if (opts.detach) {
        const { detachProxy } = await import('./proxy.ts');
        const r = await detachProxy({ configFile: g.config, argv: process.argv });
        runtime.out.write(g.json ? json(r) : text.renderProxyDetached(r));
        return;
      }
      const { runProxy } = await import('./proxy.ts');
      const controller = new AbortController();
      const stop = () => controller.abort();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      try {
        const r = await runProxy({
          configFile: g.config,
          listen: opts.listen,
          admin: opts.admin,
          shadowLog: opts.shadowLog,
          signal: controller.signal,
          onEvent: (e) => (g.json ? runtime.err.write(JSON.stringify(e) + '\n') : runtime.out.write(text.renderProxyEvent(e))),
        });
        runtime.out.write(g.json ? json(r) : text.renderProxyStopped(r));
      } finally {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
      }
    });

  proxy
    .command('stop')
    .description('signal the background proxy; it stops accepting connections and lets in-flight requests finish')
    .action(async () => {
      const g = runtime.globals();
      const { runProxyStop } = await import('./proxy.ts');
      const r = await runProxyStop({ configFile: g.config });
      const { json } = await import('../report/format.ts');
      const text = await import('../report/proxy-text.ts');
      runtime.out.write(g.json ? json(r) : text.renderProxyStop(r));
      if (!r.stopped) runtime.exitCode = 3;
    });
};
