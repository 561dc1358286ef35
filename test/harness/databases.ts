/**
 * Per-test-file databases on the harness PostgreSQL: each file creates its own and drops it.
 * Use inside vitest files of the integration project (globalSetup provides `postgresAdminUrl`).
 */
import pg from 'pg';
import { inject } from 'vitest';

export { queryOnce } from './query-once.ts';

export function adminUrl(): string {
  return inject('postgresAdminUrl');
}

export function urlFor(database: string, base = adminUrl()): string {
  const url = new URL(base);
  url.pathname = `/${database}`;
  return url.toString();
}

let counter = 0;

/** Creates a fresh empty database and returns its URL and a drop function. */
export async function createTestDatabase(prefix = 'test'): Promise<{ url: string; name: string; drop(): Promise<void> }> {
  const name = `${prefix}_${process.pid}_${Date.now().toString(36)}_${counter++}`.toLowerCase().replace(/[^a-z0-9_]/g, '_');
  const admin = new pg.Client({ connectionString: adminUrl() });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE "${name}"`);
  } finally {
    await admin.end();
  }
  return {
    url: urlFor(name),
    name,
    drop: async () => {
      const c = new pg.Client({ connectionString: adminUrl() });
      await c.connect();
      try {
        // Leftover replication slots pin the database; drop them first.
        await c.query(
          `SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE database = $1 AND NOT active`,
          [name],
        );
        await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      } finally {
        await c.end();
      }
    },
  };
}
