// Starts {{serviceName}} and stops it gracefully: on SIGTERM/SIGINT it stops being ready, drains in-flight
// requests (up to SHUTDOWN_TIMEOUT_MS), then closes the database pools (its own, and the moved code's) and flushes traces.
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { createApp } from './app.js';
import { loadConfig, type Config } from './config.js';
import { createDb } from './db.js';
import { closeDomain } from './domain/mount.js';
import { createLogger } from './logger.js';
import { createMetrics } from './metrics.js';
import { startTracing } from './tracing.js';

export interface RunningService {
  url: string;
  server: Server;
  stop(): Promise<void>;
}

export async function startService(config: Config = loadConfig()): Promise<RunningService> {
  const logger = createLogger(config.logLevel, config.serviceName);
  const tracing = startTracing(config.serviceName, config.otlpTracesEndpoint);
  const db = createDb(config.databaseUrl);
  let accepting = true;
  const app = createApp({ db, logger, metrics: createMetrics(config.serviceName), tracing, accepting: () => accepting });
  const server = await new Promise<Server>((resolve, reject) => {
    const s = app.listen(config.port, config.host, () => resolve(s));
    s.on('error', reject);
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://${config.host === '0.0.0.0' ? '127.0.0.1' : config.host}:${port}`;
  logger.info({ url }, 'listening');
  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      accepting = false;
      server.closeIdleConnections();
      const force = setTimeout(() => server.closeAllConnections(), config.shutdownTimeoutMs);
      await new Promise<void>((resolve) => server.close(() => resolve()));
      clearTimeout(force);
      await db.destroy();
      await closeDomain();
      await tracing.shutdown();
      logger.info('stopped');
    })());
  return { url, server, stop };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const service = await startService();
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      service.stop().then(
        () => process.exit(0),
        () => process.exit(1),
      );
    });
  }
}
