/**
 * Test tables covering the types sync must carry (numeric, timestamptz, jsonb, arrays, enums and enum arrays,
 * bytea, uuid, TOASTed text), a composite-key table for primary-key updates, a table without a primary key
 * (REPLICA IDENTITY FULL), a seeded concurrent write workload, and a row-by-row comparison.
 */
import pg from 'pg';

export const SYNC_TABLES = ['items', 'pairs', 'log_lines'];

export async function createSourceSchema(url: string, rows = 2000): Promise<void> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    await c.query(`
      CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');
      CREATE TABLE items (
        id bigserial PRIMARY KEY, name text NOT NULL, price numeric(12,2), at timestamptz, doc jsonb,
        tags text[], moods mood[], m mood, blob bytea, uid uuid, big text, ratio double precision);
      CREATE INDEX items_name_idx ON items (name);
      CREATE TABLE pairs (a integer NOT NULL, b text NOT NULL, v integer, PRIMARY KEY (a, b));
      CREATE TABLE log_lines (msg text, n integer);
      ALTER TABLE log_lines REPLICA IDENTITY FULL;
    `);
    await c.query(
      `INSERT INTO items (name, price, at, doc, tags, moods, m, blob, uid, big, ratio)
       SELECT 'item ' || g, (g * 1.37)::numeric(12,2), '2020-01-01 00:00:00+00'::timestamptz + g * interval '1 minute',
              jsonb_build_object('g', g, 'nested', jsonb_build_array(g, 'x', null)), ARRAY['t' || g, 'has "quote"', 'comma,1'],
              ARRAY['sad', 'happy']::mood[], (ARRAY['sad','ok','happy'])[1 + g % 3]::mood, decode(md5(g::text), 'hex'),
              md5(g::text)::uuid, CASE WHEN g % 50 = 0 THEN (SELECT string_agg(md5(g::text || i::text), '') FROM generate_series(1, 150) i) END,
              g / 7.0
       FROM generate_series(1, $1) g`,
      [rows],
    );
    await c.query(`INSERT INTO pairs SELECT g, 'b' || (g % 5), g FROM generate_series(1, $1) g`, [Math.ceil(rows / 4)]);
    await c.query(`INSERT INTO log_lines SELECT 'line ' || (g % 100), g % 10 FROM generate_series(1, $1) g`, [Math.ceil(rows / 10)]);
  } finally {
    await c.end();
  }
}

/** Seeded PRNG (mulberry32). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface Workload {
  stop(): Promise<{ operations: number; errors: number }>;
}

/** Concurrent inserts, updates (TOAST left unchanged), deletes, primary-key updates, multi-row inserts, truncate-free. */
export function startWorkload(url: string, options: { seed: number; clients?: number; pauseMs?: number }): Workload {
  const pool = new pg.Pool({ connectionString: url, max: options.clients ?? 3 });
  pool.on('error', () => {});
  let running = true;
  let operations = 0;
  let errors = 0;
  const worker = async (w: number) => {
    const rnd = prng(options.seed * 31 + w);
    const pick = (n: number) => Math.floor(rnd() * n);
    while (running) {
      const op = pick(10);
      try {
        if (op === 0) {
          await pool.query(
            `INSERT INTO items (name, price, at, doc, tags, moods, m, blob, uid, big, ratio)
             VALUES ($1, $2, now(), $3, $4, '{ok,happy}', 'ok', $5, gen_random_uuid(), $6, $7)`,
            [`new ${w}-${operations}`, (rnd() * 1000).toFixed(2), JSON.stringify({ w, r: rnd(), s: 'é\n"' }), ['a', `b${pick(9)}`, null], Buffer.from([pick(256), 0, 255]), rnd() < 0.2 ? 'x'.repeat(5000) + rnd() : null, rnd()],
          );
        } else if (op <= 2) {
          await pool.query(`UPDATE items SET price = price + 1, doc = doc || '{"u":1}', tags = tags || 'u'::text, m = 'happy' WHERE id = (SELECT id FROM items WHERE id > $1 ORDER BY id LIMIT 1)`, [pick(3000)]);
        } else if (op === 3) {
          await pool.query(`DELETE FROM items WHERE id = (SELECT id FROM items WHERE id > $1 ORDER BY id LIMIT 1)`, [pick(3000)]);
        } else if (op === 4) {
          // primary-key update
          await pool.query(`UPDATE items SET id = -id, name = name || '!' WHERE id = (SELECT id FROM items WHERE id > $1 ORDER BY id LIMIT 1)`, [pick(3000)]);
        } else if (op === 5) {
          await pool.query(`UPDATE pairs SET a = a + 100000, v = v + 1 WHERE a = (SELECT a FROM pairs WHERE a > $1 ORDER BY a LIMIT 1)`, [pick(600)]);
        } else if (op === 6) {
          // several rows in one statement share one LSN
          const base = 1_000_000 + w * 10_000_000 + operations * 10;
          await pool.query(`INSERT INTO pairs SELECT $1::int + g, 'm', g FROM generate_series(1, 5) g ON CONFLICT DO NOTHING`, [base]);
        } else if (op === 7) {
          await pool.query(`INSERT INTO log_lines VALUES ($1, $2), ($1, $2)`, [`dup ${pick(20)}`, pick(5)]);
        } else if (op === 8) {
          await pool.query(`DELETE FROM log_lines WHERE ctid = (SELECT ctid FROM log_lines WHERE n = $1 LIMIT 1)`, [pick(10)]);
        } else {
          const c = await pool.connect();
          try {
            await c.query('BEGIN');
            for (let i = 0; i < 20; i++) await c.query(`UPDATE items SET ratio = ratio + 1 WHERE id = (SELECT id FROM items WHERE id > $1 ORDER BY id LIMIT 1)`, [pick(3000)]);
            await c.query(`UPDATE log_lines SET n = n + 1 WHERE ctid = (SELECT ctid FROM log_lines WHERE n = $1 LIMIT 1)`, [pick(10)]);
            await c.query('COMMIT');
          } catch (e) {
            await c.query('ROLLBACK').catch(() => {});
            throw e;
          } finally {
            c.release();
          }
        }
        operations++;
      } catch {
        errors++;
      }
      if (options.pauseMs) await new Promise((r) => setTimeout(r, options.pauseMs));
    }
  };
  const done = Promise.all(Array.from({ length: options.clients ?? 3 }, (_, w) => worker(w)));
  return {
    stop: async () => {
      running = false;
      await done;
      await pool.end();
      return { operations, errors };
    },
  };
}

export interface TableComparison {
  table: string;
  sourceRows: number;
  targetRows: number;
  lost: number;
  extra: number;
  diverged: number;
}

async function rows(url: string, table: string, key: string[] | null): Promise<{ key: string; row: string }[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const keyExpr = key ? key.map((k) => `t."${k}"::text`).join(` || '|' || `) : 't::text';
    const r = await c.query(`SELECT ${keyExpr} AS key, t::text AS row FROM "${table}" t ORDER BY 2`);
    return r.rows;
  } finally {
    await c.end();
  }
}

/** Row-by-row comparison: by primary key where there is one, as a multiset of whole rows otherwise. */
export async function compareDatabases(source: string, target: string): Promise<TableComparison[]> {
  const keys: Record<string, string[] | null> = { items: ['id'], pairs: ['a', 'b'], log_lines: null };
  const out: TableComparison[] = [];
  for (const table of SYNC_TABLES) {
    const [s, t] = await Promise.all([rows(source, table, keys[table]!), rows(target, table, keys[table]!)]);
    const cmp: TableComparison = { table, sourceRows: s.length, targetRows: t.length, lost: 0, extra: 0, diverged: 0 };
    if (keys[table]) {
      const tm = new Map(t.map((x) => [x.key, x.row]));
      const sm = new Map(s.map((x) => [x.key, x.row]));
      for (const [k, row] of sm) {
        const other = tm.get(k);
        if (other === undefined) cmp.lost++;
        else if (other !== row) cmp.diverged++;
      }
      for (const k of tm.keys()) if (!sm.has(k)) cmp.extra++;
    } else {
      const count = new Map<string, number>();
      for (const x of s) count.set(x.row, (count.get(x.row) ?? 0) + 1);
      for (const x of t) count.set(x.row, (count.get(x.row) ?? 0) - 1);
      for (const n of count.values()) {
        if (n > 0) cmp.lost += n;
        if (n < 0) cmp.extra -= n;
      }
    }
    out.push(cmp);
  }
  return out;
}

export function isEqual(c: TableComparison[]): boolean {
  return c.every((x) => x.lost === 0 && x.extra === 0 && x.diverged === 0);
}

export async function waitForEqual(source: string, target: string, timeoutMs: number): Promise<TableComparison[]> {
  const deadline = Date.now() + timeoutMs;
  let last: TableComparison[] = [];
  while (Date.now() < deadline) {
    last = await compareDatabases(source, target);
    if (isEqual(last)) return last;
    await new Promise((r) => setTimeout(r, 500));
  }
  return last;
}
