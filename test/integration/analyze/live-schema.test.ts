/**
 * `strangler analyze --database`: the schema read from a live database is the one pg_dump writes (the sample's
 * migrated database against its committed schema.sql), a schema other than public and a cascading foreign key
 * are read, and the proposal from logs + code + live schema equals the one from the dump file.
 */
import { execa } from 'execa';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrateLatest } from '../../../fixtures/sample-monolith/src/index.ts';
import { readLiveSchema } from '../../../src/adapters/postgres-schema.ts';
import { readSchemaDump } from '../../../src/analyzers/schema/read-schema-dump.ts';
import { runAnalyze, SAMPLE_LOG_PREFIX, SAMPLE_ROOT } from '../../../src/commands/analyze.ts';
import { createTestDatabase, queryOnce } from '../../harness/databases.ts';

const bin = fileURLToPath(new URL('../../../bin/strangler.js', import.meta.url));
const dbs: { drop(): Promise<void> }[] = [];
let shop: string;
afterAll(async () => {
  for (const d of dbs) await d.drop().catch(() => {});
});
beforeAll(async () => {
  const d = await createTestDatabase('live_schema_shop');
  dbs.push(d);
  shop = d.url;
  await migrateLatest(shop);
});

describe('analyze --database', () => {
  it('reads the same tables, keys, foreign keys and views as the pg_dump of the same database', async () => {
    const live = await readLiveSchema(shop);
    const dump = await readSchemaDump(path.join(SAMPLE_ROOT, 'schema.sql'));
    expect(live.tables.map((t) => [t.name, t.primaryKey, t.columns.map((c) => `${c.name}${c.nullable ? '?' : ''}`)])).toEqual(
      dump.tables.map((t) => [t.name, t.primaryKey, t.columns.map((c) => `${c.name}${c.nullable ? '?' : ''}`)]),
    );
    expect(live.foreignKeys).toEqual(dump.foreignKeys);
    expect(live.views).toEqual(dump.views);
    expect(live.foreignKeys.filter((f) => f.cascade).length).toBeGreaterThan(5);
  });

  it('names tables outside public with their schema, and leaves out migration bookkeeping', async () => {
    const d = await createTestDatabase('live_schema_other');
    dbs.push(d);
    await queryOnce(
      d.url,
      `CREATE SCHEMA billing;
       CREATE TABLE customers (id int PRIMARY KEY);
       CREATE TABLE billing.invoices (id int PRIMARY KEY, customer_id int NOT NULL REFERENCES customers (id) ON DELETE CASCADE);
       CREATE TABLE billing.lines (invoice_id int REFERENCES billing.invoices (id), n int, PRIMARY KEY (invoice_id, n));
       CREATE VIEW billing.totals AS SELECT i.id, count(*) FROM billing.invoices i JOIN billing.lines l ON l.invoice_id = i.id GROUP BY i.id;
       CREATE TABLE knex_migrations (id serial PRIMARY KEY, name text);`,
    );
    const live = await readLiveSchema(d.url);
    expect(live.tables.map((t) => t.name)).toEqual(['billing.invoices', 'billing.lines', 'customers']);
    expect(live.tables.find((t) => t.name === 'billing.lines')!.primaryKey).toEqual(['invoice_id', 'n']);
    expect(live.foreignKeys.map((f) => [f.from, f.to, f.cascade ?? false])).toEqual([
      ['billing.invoices', 'customers', true],
      ['billing.lines', 'billing.invoices', false],
    ]);
    expect(live.views).toEqual([{ name: 'billing.totals', reads: ['billing.invoices', 'billing.lines'] }]);
  });

  it('proposes the same contexts from logs + code + the live schema as with the dump file', async () => {
    const base = {
      configFile: path.join(SAMPLE_ROOT, 'no-such-strangler.yaml'),
      logs: [path.join(SAMPLE_ROOT, 'logs/comments-off/postgresql.csv.gz')],
      logLinePrefix: SAMPLE_LOG_PREFIX,
      code: SAMPLE_ROOT,
      compare: path.join(SAMPLE_ROOT, 'domains.yaml'),
    };
    const fromDump = await runAnalyze({ ...base, schema: path.join(SAMPLE_ROOT, 'schema.sql') });
    const fromDatabase = await runAnalyze({ ...base, database: shop });
    expect(fromDatabase.contexts).toEqual(fromDump.contexts);
    expect(fromDatabase.comparison!.tables.f1).toBe(fromDump.comparison!.tables.f1);
    const password = decodeURIComponent(new URL(shop).password);
    if (password) expect(fromDatabase.inputs.schema).not.toContain(password);
    expect(fromDatabase.inputs.schema).toMatch(/^postgres:\/\//);
  });

  it('with strangler.yaml and no schemaFile, reads the schema from monolith.database; unreachable, it warns and goes on', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'live-schema-config-'));
    try {
      const logs = path.join(SAMPLE_ROOT, 'logs/comments-off/postgresql.csv.gz');
      const configFile = path.join(dir, 'strangler.yaml');
      await writeFile(configFile, `monolith:\n  database: ${shop}\n  logs: ['${logs}']\n`);
      const reachable = await runAnalyze({ configFile });
      expect(reachable.inputs.schema).toMatch(/^postgres:\/\//);
      expect(reachable.inputs.tables).toBe((await readSchemaDump(path.join(SAMPLE_ROOT, 'schema.sql'))).tables.length);
      await writeFile(configFile, `monolith:\n  database: postgres://nobody@127.0.0.1:1/none\n  logs: ['${logs}']\n`);
      const unreachable = await runAnalyze({ configFile });
      expect(unreachable.inputs.schema).toBeUndefined();
      expect(unreachable.warnings.join('\n')).toMatch(/schema not read from monolith\.database .*set monolith\.schemaFile/);
      expect(unreachable.contexts.length).toBeGreaterThan(3);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('bad input: --schema with --database exits 2; an unreachable database exits 3 with one line', async () => {
    const both = await execa('node', [bin, 'analyze', '--schema', 'x.sql', '--database', shop, '--no-interactive'], { reject: false });
    expect(both.exitCode).toBe(2);
    expect(both.stderr).toMatch(/--schema and --database both give the schema/);
    const down = await execa('node', [bin, 'analyze', '--database', 'postgres://nobody@127.0.0.1:1/none', '--no-interactive'], { reject: false, env: { NO_COLOR: '1' } });
    expect(down.exitCode).toBe(3);
    expect(down.stderr.trim().split('\n')).toHaveLength(1);
    expect(down.stderr).toMatch(/monolith database/);
  });
});
