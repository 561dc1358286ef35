import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../harness/databases.ts';

describe('harness PostgreSQL', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let client: pg.Client;

  beforeAll(async () => {
    db = await createTestDatabase('harness');
    client = new pg.Client({ connectionString: db.url });
    await client.connect();
  });
  afterAll(async () => {
    await client?.end();
    await db?.drop();
  });

  it('runs with wal_level=logical', async () => {
    const { rows } = await client.query('SHOW wal_level');
    expect(rows[0].wal_level).toBe('logical');
  });

  it('round-trips a table and sees its changes through a logical replication slot', async () => {
    await client.query('CREATE TABLE items (id int PRIMARY KEY, name text NOT NULL)');
    await client.query(`SELECT pg_create_logical_replication_slot('harness_slot', 'test_decoding')`);
    try {
      await client.query(`INSERT INTO items VALUES (1, 'one'), (2, 'two')`);
      await client.query(`UPDATE items SET name = 'uno' WHERE id = 1`);
      const { rows } = await client.query('SELECT id, name FROM items ORDER BY id');
      expect(rows).toEqual([
        { id: 1, name: 'uno' },
        { id: 2, name: 'two' },
      ]);
      const changes = await client.query(
        `SELECT data FROM pg_logical_slot_get_changes('harness_slot', NULL, NULL) WHERE data LIKE 'table%'`,
      );
      expect(changes.rows.map((r) => r.data)).toEqual([
        `table public.items: INSERT: id[integer]:1 name[text]:'one'`,
        `table public.items: INSERT: id[integer]:2 name[text]:'two'`,
        `table public.items: UPDATE: id[integer]:1 name[text]:'uno'`,
      ]);
    } finally {
      await client.query(`SELECT pg_drop_replication_slot('harness_slot')`);
    }
  });
});
