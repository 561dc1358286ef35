import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compareTables } from '../../../src/parity/data-parity.ts';
import { ConfigError, EnvironmentError, UsageError } from '../../../src/errors.ts';
import { createTestDatabase, queryOnce as sql } from '../../harness/databases.ts';
import { freePort } from '../../harness/postgres-server.ts';

type Db = Awaited<ReturnType<typeof createTestDatabase>>;

const schema = `
  CREATE TABLE items (
    id bigint PRIMARY KEY, name text, price numeric(12,2), seen_at timestamptz, attrs jsonb, tags text[],
    blob bytea, ratio double precision, updated_at timestamptz NOT NULL DEFAULT '2024-06-01 00:00:00+00'
  );
  CREATE TABLE lines (order_id int, line_no int, sku text NOT NULL, PRIMARY KEY (order_id, line_no));
  CREATE TABLE tokens (token uuid PRIMARY KEY, owner text NOT NULL);
  CREATE TABLE logbook (at int, message text);
`;

const fill = `
  INSERT INTO items (id, name, price, seen_at, attrs, tags, blob, ratio)
    SELECT g, 'item ' || g, (g % 1000) / 4.0, timestamptz '2024-01-01 00:00:00+00' + g * interval '1 minute',
           jsonb_build_object('a', g, 'b', 'x'), ARRAY['t' || (g % 7)], decode(lpad(to_hex(g), 8, '0'), 'hex'), g / 3.0
    FROM generate_series(1, 20000) g;
  INSERT INTO lines SELECT o, l, 'sku-' || o || '-' || l FROM generate_series(1, 500) o, generate_series(1, 4) l;
  INSERT INTO tokens SELECT md5('t' || g)::uuid, 'owner ' || g FROM generate_series(1, 3000) g;
  INSERT INTO logbook SELECT g % 10, 'm' || (g % 10) FROM generate_series(1, 100) g;
`;

describe('data parity (real PostgreSQL, two databases)', () => {
  let source: Db;
  let target: Db;

  beforeAll(async () => {
    source = await createTestDatabase('parity_src');
    target = await createTestDatabase('parity_tgt');
    for (const d of [source, target]) {
      await sql(d.url, schema);
      await sql(d.url, fill);
    }
  });
  afterAll(async () => {
    await source?.drop();
    await target?.drop();
  });

  const compare = (tables: string[], extra: Partial<Parameters<typeof compareTables>[0]> = {}) =>
    compareTables({ source: source.url, target: target.url, tables, rowsPerRange: 1000, fetchThreshold: 200, ...extra });

  it('finds no difference in equal data, with several range levels', async () => {
    const result = await compare(['items', 'lines', 'tokens']);
    expect(result.equal).toBe(true);
    expect(result.tables.map((t) => [t.table, t.sourceRows, t.targetRows, t.equal])).toEqual([
      ['items', 20000, 20000, true],
      ['lines', 2000, 2000, true],
      ['tokens', 3000, 3000, true],
    ]);
    // Integer keys: one grouped checksum scan per side; uuid keys: one query per quantile range and side.
    expect(result.tables[0]!.stats.checksumQueries).toBe(2);
    expect(result.tables[2]!.stats.checksumQueries).toBeGreaterThanOrEqual(2);
    expect(result.tables.map((t) => t.stats.rowsFetched)).toEqual([0, 0, 0]);
  });

  it('compares by meaning: numeric scale, time zones, jsonb key order and json vs jsonb are not differences', async () => {
    await sql(target.url, `ALTER TABLE items ALTER COLUMN price TYPE numeric(14,4)`);
    await sql(target.url, `ALTER TABLE items ALTER COLUMN attrs TYPE json USING attrs::json`);
    await sql(target.url, `UPDATE items SET attrs = '{"b": "x",   "a": 5}'::json WHERE id = 5`);
    await sql(target.url, `SET TimeZone = 'Asia/Tokyo'; UPDATE items SET seen_at = '2024-01-01 09:07:00+09' WHERE id = 7`);
    const result = await compare(['items']);
    expect(result.tables[0]!.differences).toEqual([]);
    expect(result.equal).toBe(true);
  });

  it('locates each injected difference exactly: deleted, extra and changed rows with their columns', async () => {
    await sql(target.url, `DELETE FROM items WHERE id = 1234`);
    await sql(target.url, `INSERT INTO items (id, name) VALUES (99999, 'stray')`);
    await sql(target.url, `UPDATE items SET name = 'renamed', price = 1.01 WHERE id = 17000`);
    await sql(target.url, `UPDATE lines SET sku = 'other' WHERE order_id = 250 AND line_no = 3`);
    await sql(target.url, `DELETE FROM tokens WHERE owner = 'owner 42'`);
      const result = await compare(['items', 'lines', 'tokens']);
      expect(result.equal).toBe(false);
      expect(result.totals).toEqual({ missing: 2, extra: 1, changed: 2, tables: 3, tablesWithDifferences: 3 });
      const items = result.tables[0]!;
      expect(items.differences).toEqual(
        expect.arrayContaining([
          { kind: 'missing', key: { id: '1234' } },
          { kind: 'extra', key: { id: '99999' } },
          {
            kind: 'changed',
            key: { id: '17000' },
            columns: [
              { column: 'name', source: 'item 17000', target: 'renamed' },
              { column: 'price', source: '0', target: '1.01' },
            ],
          },
        ]),
      );
      expect(items.stats.rowsFetched).toBeLessThan(2000);
      expect(result.tables[1]!.differences).toEqual([
        { kind: 'changed', key: { order_id: '250', line_no: '3' }, columns: [{ column: 'sku', source: 'sku-250-3', target: 'other' }] },
      ]);
      expect(result.tables[2]!.differences).toEqual([{ kind: 'missing', key: { token: (await sql(source.url, `SELECT token::text FROM tokens WHERE owner = 'owner 42'`)).rows[0].token } }]);
  });

  it('floats: equal within the tolerance, different beyond it', async () => {
    const d1 = await createTestDatabase('parity_f1');
    const d2 = await createTestDatabase('parity_f2');
    try {
      for (const d of [d1, d2]) await sql(d.url, `CREATE TABLE m (id int PRIMARY KEY, v double precision)`);
      await sql(d1.url, `INSERT INTO m VALUES (1, 1.0), (2, 2.0), (3, 3.0)`);
      await sql(d2.url, `INSERT INTO m VALUES (1, 1.0000001), (2, 2.0), (3, 3.5)`);
      const loose = await compareTables({ source: d1.url, target: d2.url, tables: ['m'], floatTolerance: 0.001 });
      expect(loose.tables[0]!.differences).toEqual([{ kind: 'changed', key: { id: '3' }, columns: [{ column: 'v', source: '3', target: '3.5' }] }]);
      const strict = await compareTables({ source: d1.url, target: d2.url, tables: ['m'] });
      expect(strict.totals.changed).toBe(2);
    } finally {
      await d1.drop();
      await d2.drop();
    }
  });

  it('float arrays: element by element within the tolerance, also across a rounding boundary; length and NULLs count', async () => {
    const d1 = await createTestDatabase('parity_fa1');
    const d2 = await createTestDatabase('parity_fa2');
    try {
      for (const d of [d1, d2]) await sql(d.url, `CREATE TABLE m (id int PRIMARY KEY, v double precision[], r real[])`);
      await sql(d1.url, `INSERT INTO m VALUES (1, '{1.0,2.0}', '{1}'), (2, '{1.0,2.0}', '{1}'), (3, '{1.0,2.0}', '{1}'), (4, NULL, NULL), (5, '{0.1234}', '{0.5}'), (6, '{1,NULL}', '{1}')`);
      await sql(d2.url, `INSERT INTO m VALUES (1, '{1.0000001,2.0}', '{1}'), (2, '{1.0,2.5}', '{1}'), (3, '{1.0}', '{1}'), (4, NULL, NULL), (5, '{0.1236}', '{0.5004}'), (6, '{1,0}', '{1}')`);
      const loose = await compareTables({ source: d1.url, target: d2.url, tables: ['m'], floatTolerance: 0.001 });
      expect(loose.tables[0]!.differences.map((d) => [d.key.id, d.columns?.map((c) => c.column)])).toEqual([
        ['2', ['v']],
        ['3', ['v']],
        ['6', ['v']],
      ]);
      const strict = await compareTables({ source: d1.url, target: d2.url, tables: ['m'] });
      expect(strict.tables[0]!.differences.map((d) => d.key.id)).toEqual(['1', '2', '3', '5', '6']);
    } finally {
      await d1.drop();
      await d2.drop();
    }
  });

  it('column mappings compare a renamed service column; an empty side reports every row', async () => {
    const d1 = await createTestDatabase('parity_m1');
    const d2 = await createTestDatabase('parity_m2');
    try {
      await sql(d1.url, `CREATE TABLE u (id int PRIMARY KEY, email text); INSERT INTO u VALUES (1, 'a@x'), (2, 'b@x')`);
      await sql(d2.url, `CREATE TABLE u (id int PRIMARY KEY, email_address text); INSERT INTO u VALUES (1, 'a@x'), (2, 'b@x')`);
      const mapped = await compareTables({ source: d1.url, target: d2.url, tables: ['u'], columnMap: { u: { email: 'email_address' } } });
      expect(mapped.equal).toBe(true);
      const unmapped = await compareTables({ source: d1.url, target: d2.url, tables: ['u'] }).then(() => undefined, (e: unknown) => e);
      expect(unmapped).toBeInstanceOf(ConfigError);
      expect((unmapped as ConfigError).message).toBe('u.email has no column email in the service table public.u');
      await sql(d2.url, `TRUNCATE u`);
      const empty = await compareTables({ source: d1.url, target: d2.url, tables: ['u'], columnMap: { u: { email: 'email_address' } } });
      expect(empty.tables[0]).toMatchObject({ sourceRows: 2, targetRows: 0, missing: 2, equal: false });
    } finally {
      await d1.drop();
      await d2.drop();
    }
  });

  it('row hashes: equal across type variants and enum OIDs, and a swap of values between two rows is found', async () => {
    const d1 = await createTestDatabase('parity_t1');
    const d2 = await createTestDatabase('parity_t2');
    try {
      // Enum OIDs differ between the two databases (another type created first on one side).
      await sql(d1.url, `CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy')`);
      await sql(d2.url, `CREATE TYPE filler AS ENUM ('x'); CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy')`);
      const ddl = (n: string, label: string) => `CREATE TABLE v (id ${n} PRIMARY KEY, label ${label}, m mood, ms mood[], d date, ok boolean,
        span interval, at timestamp, u uuid, c char(4), amount numeric)`;
      await sql(d1.url, ddl('int', 'varchar(20)'));
      await sql(d2.url, ddl('bigint', 'text'));
      const rows = `INSERT INTO v SELECT g, 'label ' || g, (ARRAY['sad','ok','happy']::mood[])[1 + g % 3], ARRAY['ok','happy']::mood[],
        date '2024-01-01' + g, g % 2 = 0, g * interval '1 hour', timestamp '2024-01-01' + g * interval '1 minute', md5(g::text)::uuid, 'c' || (g % 10),
        g * 1.5 FROM generate_series(1, 500) g`;
      await sql(d1.url, rows);
      await sql(d2.url, rows);
      await sql(d2.url, `UPDATE v SET span = interval '1 day', amount = 4.500 WHERE id = 3`);
      await sql(d1.url, `UPDATE v SET span = interval '24 hours', amount = 4.5 WHERE id = 3`);
      const equal = await compareTables({ source: d1.url, target: d2.url, tables: ['v'], rowsPerRange: 100, fetchThreshold: 10 });
      expect(equal.tables[0]!.differences).toEqual([]);
      expect(equal.tables[0]!.stats.rowsFetched).toBe(0);

      await sql(d2.url, `UPDATE v SET label = CASE id WHEN 10 THEN 'label 11' ELSE 'label 10' END WHERE id IN (10, 11)`);
      const swapped = await compareTables({ source: d1.url, target: d2.url, tables: ['v'], rowsPerRange: 100, fetchThreshold: 10 });
      expect(swapped.tables[0]!.differences).toEqual([
        { kind: 'changed', key: { id: '10' }, columns: [{ column: 'label', source: 'label 10', target: 'label 11' }] },
        { kind: 'changed', key: { id: '11' }, columns: [{ column: 'label', source: 'label 11', target: 'label 10' }] },
      ]);
    } finally {
      await d1.drop();
      await d2.drop();
    }
  });

  it('text keys under different collations on the two sides: ranges hold the same keys (no phantom differences)', async (ctx) => {
    const d1 = await createTestDatabase('parity_c1');
    const d2 = await createTestDatabase('parity_c2');
    try {
      // A collation that orders 'a' before 'B' (C puts 'B' first).
      const { rows } = await sql(d2.url, `SELECT collname FROM pg_collation WHERE collname IN ('und-x-icu', 'en-x-icu', 'en_US.utf8', 'en_US.UTF-8', 'de_DE.utf8') ORDER BY collname`);
      const other = rows.map((r) => r.collname as string)[0];
      if (!other) return ctx.skip('no linguistic collation (ICU or en_US) in this PostgreSQL build');
      await sql(d1.url, `CREATE TABLE k (code text COLLATE "C" PRIMARY KEY, v int)`);
      await sql(d2.url, `CREATE TABLE k (code text COLLATE "${other}" PRIMARY KEY, v int)`);
      const fill = `INSERT INTO k SELECT chr(65 + g % 26 + (g % 2) * 32) || g, g FROM generate_series(1, 3000) g`;
      await sql(d1.url, fill);
      await sql(d2.url, fill);
      const opts = { source: d1.url, target: d2.url, tables: ['k'], rowsPerRange: 200, fetchThreshold: 20 };
      const equal = await compareTables(opts);
      expect(equal.tables[0]!.differences).toEqual([]);
      expect(equal.tables[0]!.warnings).toEqual(['k: key collations differ between the databases; key ranges compare in the C collation (no index use)']);
      await sql(d2.url, `DELETE FROM k WHERE v = 1234`);
      const one = await compareTables(opts);
      expect(one.tables[0]!.differences).toEqual([{ kind: 'missing', key: { code: (await sql(d1.url, `SELECT code FROM k WHERE v = 1234`)).rows[0].code } }]);
    } finally {
      await d1.drop();
      await d2.drop();
    }
  });

  it('a large uuid-keyed table: first ranges from a block sample, one changed row located', async () => {
    const d1 = await createTestDatabase('parity_u1');
    const d2 = await createTestDatabase('parity_u2');
    try {
      for (const d of [d1, d2]) {
        await sql(d.url, `CREATE TABLE big (id uuid PRIMARY KEY, n int NOT NULL);
          INSERT INTO big SELECT md5(g::text)::uuid, g FROM generate_series(1, 250000) g; ANALYZE big`);
      }
      await sql(d2.url, `UPDATE big SET n = -1 WHERE n = 123456`);
      const result = await compareTables({ source: d1.url, target: d2.url, tables: ['big'] });
      const id = (await sql(d1.url, `SELECT id::text FROM big WHERE n = 123456`)).rows[0].id;
      expect(result.tables[0]).toMatchObject({ sourceRows: 250000, targetRows: 250000, changed: 1, missing: 0, extra: 0 });
      expect(result.tables[0]!.differences).toEqual([{ kind: 'changed', key: { id }, columns: [{ column: 'n', source: '123456', target: '-1' }] }]);
      // about 25 first-level ranges (rowsPerRange 10 000) per side, then the one that differs
      expect(result.tables[0]!.stats.checksumQueries).toBeGreaterThan(20);
      expect(result.tables[0]!.stats.rowsFetched).toBeLessThanOrEqual(2 * 2000);
    } finally {
      await d1.drop();
      await d2.drop();
    }
  });

  it('timestamptz: infinities and zones compare by instant, one microsecond is a difference; numeric arrays ignore scale', async () => {
    const d1 = await createTestDatabase('parity_z1');
    const d2 = await createTestDatabase('parity_z2');
    try {
      await sql(d1.url, `CREATE TABLE e (id int PRIMARY KEY, at timestamptz NOT NULL, amounts numeric(10,2)[], note text)`);
      await sql(d2.url, `CREATE TABLE e (id int PRIMARY KEY, at timestamptz, amounts numeric[], note text)`);
      await sql(d1.url, `INSERT INTO e SELECT g, timestamptz '2024-03-01 12:00:00+00' + g * interval '1 second', ARRAY[g / 4.0, 1, NULL], 'n' FROM generate_series(1, 300) g`);
      await sql(d2.url, `INSERT INTO e SELECT g, timestamptz '2024-03-01 12:00:00+00' + g * interval '1 second', ARRAY[trim_scale(g / 4.0), 1.000, NULL], 'n' FROM generate_series(1, 300) g`);
      for (const d of [d1, d2]) await sql(d.url, `UPDATE e SET at = 'infinity' WHERE id = 1; UPDATE e SET at = '-infinity' WHERE id = 2`);
      await sql(d2.url, `SET TimeZone = 'America/New_York'; UPDATE e SET at = '2024-03-01 07:00:10-05' WHERE id = 10`);
      const opts = { source: d1.url, target: d2.url, tables: ['e'], rowsPerRange: 100, fetchThreshold: 50 };
      const equal = await compareTables(opts);
      expect(equal.tables[0]!.differences).toEqual([]);
      // a real difference in the same range makes both sides fetch their rows: the arrays still compare by value
      await sql(d2.url, `UPDATE e SET at = at + interval '1 microsecond' WHERE id = 20; UPDATE e SET at = 'infinity' WHERE id = 2; UPDATE e SET note = 'x' WHERE id = 30`);
      const found = await compareTables(opts);
      expect(found.tables[0]!.differences).toEqual([
        { kind: 'changed', key: { id: '2' }, columns: [{ column: 'at', source: '-infinity', target: 'infinity' }] },
        { kind: 'changed', key: { id: '20' }, columns: [{ column: 'at', source: '2024-03-01 12:00:20+00', target: '2024-03-01 12:00:20.000001+00' }] },
        { kind: 'changed', key: { id: '30' }, columns: [{ column: 'note', source: 'n', target: 'x' }] },
      ]);
      expect(found.tables[0]!.stats.rowsFetched).toBeGreaterThan(0);
    } finally {
      await d1.drop();
      await d2.drop();
    }
  });

  it('an empty table on either side: every row of the other side is reported; both empty is equal', async () => {
    const d1 = await createTestDatabase('parity_e1');
    const d2 = await createTestDatabase('parity_e2');
    try {
      for (const d of [d1, d2]) await sql(d.url, `CREATE TABLE w (id bigint PRIMARY KEY, v text)`);
      const none = await compareTables({ source: d1.url, target: d2.url, tables: ['w'] });
      expect(none.tables[0]).toMatchObject({ sourceRows: 0, targetRows: 0, equal: true, differences: [] });
      await sql(d2.url, `INSERT INTO w VALUES (5, 'a'), (6, 'b')`);
      const extra = await compareTables({ source: d1.url, target: d2.url, tables: ['w'] });
      expect(extra.tables[0]).toMatchObject({ sourceRows: 0, targetRows: 2, extra: 2, equal: false });
      expect(extra.tables[0]!.differences).toEqual([
        { kind: 'extra', key: { id: '5' } },
        { kind: 'extra', key: { id: '6' } },
      ]);
    } finally {
      await d1.drop();
      await d2.drop();
    }
  });

  it('--min-age leaves out rows changed recently on either side', async () => {
    const d1 = await createTestDatabase('parity_a1');
    const d2 = await createTestDatabase('parity_a2');
    try {
      const ddl = `CREATE TABLE s (id int PRIMARY KEY, v text, updated_at timestamptz NOT NULL)`;
      await sql(d1.url, `${ddl}; INSERT INTO s SELECT g, 'v', timestamptz '2024-01-01 00:00:00+00' FROM generate_series(1, 100) g`);
      await sql(d2.url, `${ddl}; INSERT INTO s SELECT g, 'v', timestamptz '2024-01-01 00:00:00+00' FROM generate_series(1, 100) g`);
      await sql(d1.url, `UPDATE s SET v = 'in flight', updated_at = now() WHERE id = 10`);
      await sql(d1.url, `UPDATE s SET v = 'old change' WHERE id = 20`);
      const result = await compareTables({ source: d1.url, target: d2.url, tables: ['s'], minAgeSeconds: 60 });
      expect(result.tables[0]!.differences).toEqual([{ kind: 'changed', key: { id: '20' }, columns: [{ column: 'v', source: 'old change', target: 'v' }] }]);
      const all = await compareTables({ source: d1.url, target: d2.url, tables: ['s'] });
      expect(all.totals.changed).toBe(2);
    } finally {
      await d1.drop();
      await d2.drop();
    }
  });

  it('bad input: no primary key (clear error, or --full-row), type mismatch, missing table, unreachable side', async () => {
    const noPk = await compare(['logbook']).then(() => undefined, (e: unknown) => e);
    expect(noPk).toBeInstanceOf(UsageError);
    expect((noPk as UsageError).oneLine()).toContain('table public.logbook has no primary key, so rows cannot be matched — add a primary key, or pass --full-row');
    const same = await compare(['logbook'], { fullRow: true });
    expect(same.tables[0]).toMatchObject({ sourceRows: 100, targetRows: 100, equal: true, stats: { checksumQueries: 2, rowsFetched: 0, mode: 'full-row' } });
    await sql(target.url, `UPDATE logbook SET message = 'changed' WHERE ctid = (SELECT ctid FROM logbook WHERE at = 1 LIMIT 1)`);
    await sql(target.url, `DELETE FROM logbook WHERE ctid IN (SELECT ctid FROM logbook WHERE at = 2 LIMIT 2)`);
    const full = await compare(['logbook'], { fullRow: true });
    expect(full.tables[0]).toMatchObject({ missing: 3, extra: 1, equal: false, targetRows: 98 });
    expect(full.tables[0]!.differences).toEqual([
      { kind: 'missing', key: { row: '(1,m1)' } },
      { kind: 'missing', key: { row: '(2,m2)' } },
      { kind: 'extra', key: { row: '(1,changed)' } },
    ]);

    await sql(target.url, `ALTER TABLE tokens ALTER COLUMN owner TYPE int USING 0`);
    const mismatch = await compare(['tokens']).then(() => undefined, (e: unknown) => e);
    expect((mismatch as ConfigError).message).toBe('tokens.owner is text in the monolith but integer in the service');

    const missing = await compare(['nope']).then(() => undefined, (e: unknown) => e);
    expect((missing as ConfigError).oneLine()).toBe('--tables names public.nope, which does not exist in the monolith database — fix --tables (a table name, or schema.table)');
    expect((missing as ConfigError).exitCode).toBe(2);

    const port = await freePort();
    const down = await compareTables({ source: source.url, target: `postgres://x@127.0.0.1:${port}/svc`, tables: ['items'] }).then(() => undefined, (e: unknown) => e);
    expect(down).toBeInstanceOf(EnvironmentError);
    expect((down as EnvironmentError).message).toContain(`cannot connect to service (target) database postgres://x@127.0.0.1:${port}/svc`);
  });
});
