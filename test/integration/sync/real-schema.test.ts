/**
 * sync and verify-parity on a schema as real monoliths have it (see real-schema-fixture.ts): bad inputs answered
 * with one line and the right exit code; then `strangler sync start` as a child process under a write workload,
 * killed with SIGKILL during the backfill and while streaming, ends with every row equal (sequences included);
 * a new column pauses and resumes it, a new table is reported; verify-parity finds injected differences.
 */
import { execa, type ResultPromise } from 'execa';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, queryOnce as query } from '../../harness/databases.ts';
import { until } from '../../harness/until.ts';
import { runSync } from '../../../src/sync/sync-engine.ts';
import { compareTables } from '../../../src/parity/data-parity.ts';
import { runConfigValidate, tableFailure } from '../../../src/commands/config.ts';
import { ConfigError, EnvironmentError } from '../../../src/errors.ts';
import { compareRealSchema, createRealSchema, EXTENSIONS_SQL, REAL_TABLES, realEqual, sequenceValues, startRealWorkload, waitForRealEqual } from './real-schema-fixture.ts';

const BIN = path.resolve('bin/strangler.js');
const dbs: { drop(): Promise<void> }[] = [];
const children = new Set<ResultPromise>();
let dir: string;

afterAll(async () => {
  for (const c of children) c.kill('SIGKILL');
  for (const d of dbs) await d.drop().catch(() => {});
  if (dir) await rm(dir, { recursive: true, force: true });
});

function start(config: string): ResultPromise {
  const child = execa('node', [BIN, '--config', config, 'sync', 'start', 'catalog'], { reject: false, env: { NO_COLOR: '1' }, all: true, buffer: { all: true } });
  children.add(child);
  void child.finally(() => children.delete(child));
  return child;
}

/** Resolves once the child's output matches (or it exits). */
function waitForOutput(child: ResultPromise, re: RegExp, timeoutMs = 60_000): Promise<string> {
  return new Promise((resolve) => {
    let seen = '';
    const timer = setTimeout(done, timeoutMs);
    const onData = (d: Buffer) => {
      seen += d.toString();
      if (re.test(seen)) done();
    };
    function done() {
      clearTimeout(timer);
      child.all?.off('data', onData);
      resolve(seen);
    }
    child.all?.on('data', onData);
    void child.finally(done);
  });
}

const options = (source: string, target: string, tables: string[]) => ({
  context: 'catalog', sourceUrl: source, targetUrl: target, tables, targetSchema: 'public',
  slot: 'strangler_catalog_bad', publication: 'strangler_catalog_bad', batchSize: 200, maxRetries: 0,
});

describe('sync and verify-parity on a real schema', () => {
  let source: string;
  let target: string;
  let config: string;
  beforeAll(async () => {
    const s = await createTestDatabase('real_src');
    const t = await createTestDatabase('real_tgt');
    dbs.push(s, t);
    source = s.url;
    target = t.url;
    await createRealSchema(source, 1500);
    dir = await mkdtemp(path.join(os.tmpdir(), 'strangler-real-schema-'));
    config = path.join(dir, 'strangler.yaml');
    const list = REAL_TABLES.map((t) => `'${t}'`).join(', ');
    await writeFile(config, `version: 1\nmonolith:\n  database: ${source}\ncontexts:\n  catalog:\n    tables: [${list}]\n    service:\n      database: ${target}\n    sync:\n      batchSize: 200\n      catalogCheckSeconds: 1\n`);
  });

  it('refuses a missing table, a view and a materialized view with one line and exit 2, as verify-parity and config validate do', async () => {
    const fail = (p: Promise<unknown>) => p.then(() => undefined, (e: unknown) => e as Error);
    const missing = await fail(runSync(options(source, target, ['film', 'no_such_table'])));
    expect(missing).toBeInstanceOf(ConfigError);
    expect((missing as ConfigError).exitCode).toBe(2);
    expect((missing as ConfigError).oneLine()).toBe(
      'contexts.catalog.tables names public.no_such_table, which does not exist in the monolith database — fix contexts.catalog.tables in strangler.yaml (a table name, or schema.table)',
    );
    const parity = await fail(compareTables({ source, target: source, context: 'catalog', tables: ['film', 'no_such_table'] }));
    expect(parity).toBeInstanceOf(ConfigError);
    expect((parity as ConfigError).oneLine()).toBe((missing as ConfigError).oneLine());

    const view = await fail(runSync(options(source, target, ['film_list'])));
    expect((view as ConfigError).exitCode).toBe(2);
    expect(view!.message).toMatch(/public\.film_list, which is a view/);
    expect((view as ConfigError).hint).toMatch(/list the tables it reads instead \(public\.film, sales\.payment\)/);
    const matview = await fail(runSync(options(source, target, ['sales_by_film'])));
    expect(matview!.message).toMatch(/public\.sales_by_film, which is a materialized view in the monolith database: logical replication does not publish materialized views/);

    const partition = await fail(runSync(options(source, target, ['sales.payment', 'sales.payment_2024_01'])));
    expect(partition!.message).toMatch(/sales\.payment_2024_01, a partition of sales\.payment/);

    const bad = path.join(dir, 'bad.yaml');
    await writeFile(bad, `version: 1\nmonolith:\n  database: ${source}\ncontexts:\n  catalog:\n    tables: [film, film_list, nope]\n    service:\n      database: ${target}\n`);
    const validated = await runConfigValidate({ file: bad, checkConnections: true });
    expect(validated.tableProblems?.map((p) => p.table)).toEqual(['film_list', 'nope']);
    const e = tableFailure(validated);
    expect(e?.exitCode).toBe(2);
    expect(e?.message).toMatch(/contexts\.catalog\.tables names public\.film_list, which is a view .*\(and 1 more/);
    expect(tableFailure(await runConfigValidate({ file: config, checkConnections: true }))).toBeUndefined();
  });

  it('refuses an UNLOGGED table with the reason and the fix', async () => {
    const e = await runSync(options(source, target, ['film', 'scratch'])).then(() => undefined, (x: unknown) => x as EnvironmentError);
    expect(e).toBeInstanceOf(EnvironmentError);
    expect(e!.message).toMatch(/public\.scratch is UNLOGGED: its changes are not written to the WAL.*ALTER TABLE "public"\."scratch" SET LOGGED/);
  });

  it('names the CREATE EXTENSION the service database needs for citext and hstore columns', async () => {
    const e = await runSync(options(source, target, ['film'])).then(() => undefined, (x: unknown) => x as EnvironmentError);
    expect(e).toBeInstanceOf(EnvironmentError);
    expect(e!.message).toMatch(/lacks the extension\(s\) citext, hstore .*public\.film\.contact \(citext\)/);
    expect(e!.hint).toMatch(/run CREATE EXTENSION IF NOT EXISTS citext; CREATE EXTENSION IF NOT EXISTS hstore; in the service database/);
    const tables = await query(target, `SELECT count(*)::int AS n FROM pg_tables WHERE schemaname = 'public'`);
    expect(tables.rows[0].n).toBe(0); // nothing half-created
    await query(target, EXTENSIONS_SQL);
  });

  it('syncs every feature under a workload through kill -9 in the backfill and while streaming; a new column pauses it, a new table is reported', async () => {
    const workload = startRealWorkload(source, { seed: 12, clients: 2 });
    const outputs: string[] = [];
    let child: ResultPromise;
    try {
      // killed right after the slot is created: in the backfill
      child = start(config);
      await waitForOutput(child, /created at/);
      child.kill('SIGKILL');
      let r = await child;
      outputs.push(String(r.all));
      expect(r.signal, String(r.all)).toBe('SIGKILL');
      expect(String(r.all)).not.toMatch(/streaming changes/);
      // killed while streaming
      child = start(config);
      await waitForOutput(child, /streaming changes/);
      await new Promise((res) => setTimeout(res, 2_500));
      child.kill('SIGKILL');
      r = await child;
      outputs.push(String(r.all));
      expect(r.signal, String(r.all)).toBe('SIGKILL');
      expect(String(r.all)).toMatch(/streaming changes/);
      child = start(config);
      await waitForOutput(child, /streaming changes/);
      await new Promise((res) => setTimeout(res, 1_500));
    } finally {
      const w = await workload.stop();
      expect(w.operations).toBeGreaterThan(50);
    }
    const cmp = await waitForRealEqual(source, target, 60_000);
    expect(cmp, outputs.join('\n')).toEqual(cmp.map((c) => ({ ...c, onlySource: 0, onlyTarget: 0 })));
    // the workload's film deletes cascade to payments, so how many remain depends on how fast it ran: some, not all gone
    expect(cmp.find((c) => c.table === 'sales.payment')!.sourceRows).toBeGreaterThan(100);
    expect(cmp.find((c) => c.table === 'wide_row')!.sourceRows).toBe(300);

    // the service created what the columns need, and said what it did not carry over
    const first = outputs[0]!;
    expect(first).toMatch(/not carried over to public\.film .*check film_title_check CHECK .*trigger film_fulltext/);
    expect(first).toMatch(/not carried over to public\.payment .*foreign key payment_film_id_fkey.*partitioning \(created as one plain table/);
    const types = await query(target, `SELECT t.typname, t.typtype::text FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace WHERE n.nspname IN ('public', 'sales') AND t.typtype IN ('e', 'd', 'c', 'r') AND t.typname IN ('mpaa_rating', 'year', 'amount', 'address', 'price_band') ORDER BY 1`);
    expect(types.rows.map((x) => `${x.typname}:${x.typtype}`)).toEqual(['address:c', 'amount:d', 'mpaa_rating:e', 'price_band:r', 'year:d']);
    const gen = await query(target, `SELECT attgenerated::text AS g FROM pg_attribute WHERE attrelid = 'public.film'::regclass AND attname = 'title_length'`);
    expect(gen.rows[0].g).toBe('s');
    // the domain's check holds in the service too
    await expect(query(target, `SELECT 1800::year`)).rejects.toThrow(/year_check/);

    // sequences: the service's are at or past the monolith's (film's is called by a default, owned by no column)
    await until("the service's sequences to pass the monolith's", async () => (await sequenceValues(source, target)).every((s) => s.target >= s.source), 45_000, 500);
    const seqs = await sequenceValues(source, target);
    expect(seqs.find((s) => s.name === 'film.film_id')!.source).toBeGreaterThan(1500);
    const inserted = await query(target, `INSERT INTO film (title) VALUES ('service-side') RETURNING film_id`);
    expect(inserted.rows[0].film_id).toBeGreaterThan(seqs[0]!.source);
    await query(target, `DELETE FROM film WHERE title = 'service-side'`);

    // DDL during the sync: a new column pauses it until the service has it; a new table is reported
    const watching = waitForOutput(child!, /PAUSED[^\n]*\n/);
    await query(source, `ALTER TABLE film ADD COLUMN "Box Office" numeric; UPDATE film SET "Box Office" = film_id * 10 WHERE film_id < 20`);
    expect(await watching).toMatch(/PAUSED: schema change on public\.film: column\(s\) Box Office are not in the service table/);
    const resumed = waitForOutput(child!, /resumed: public\.film/);
    await query(target, `ALTER TABLE film ADD COLUMN "Box Office" numeric`);
    expect(await resumed).toMatch(/resumed/);
    const reported = waitForOutput(child!, /new table sales\.refund/, 60_000);
    await query(source, `CREATE TABLE sales.refund (id integer PRIMARY KEY)`);
    expect(await reported).toMatch(/new table sales\.refund in the monolith database, not in contexts\.catalog\.tables/);
    expect(realEqual(await waitForRealEqual(source, target, 30_000))).toBe(true);
    child!.kill('SIGTERM');
    const last = await child!;
    expect(last.exitCode, String(last.all)).toBe(0);
  });

  it('verify-parity finds no difference on the synced tables, then every injected one', async () => {
    const parity = () => compareTables({ source, target, context: 'catalog', tables: REAL_TABLES, fullRow: true, rowsPerRange: 200, fetchThreshold: 20 });
    const clean = await parity();
    expect(clean.tables.map((t) => [t.table, t.equal])).toEqual(REAL_TABLES.map((t) => [t, true]));
    await query(target, `DELETE FROM film WHERE film_id = (SELECT min(film_id) FROM film)`);
    await query(target, `UPDATE payment SET ship_to.city = 'Elsewhere' WHERE payment_id = (SELECT max(payment_id) FROM payment)`);
    await query(target, `UPDATE "StockItem" SET "Note" = 'changed' WHERE "ItemId" = 7`);
    await query(target, `INSERT INTO wide_row (id, c0) VALUES (100000, 'extra')`);
    await query(target, `UPDATE tag SET label = 'changed' WHERE code = (SELECT min(code) FROM tag)`);
    const found = await parity();
    const by = Object.fromEntries(found.tables.map((t) => [t.table, { missing: t.missing, extra: t.extra, changed: t.changed }]));
    expect(by).toEqual({
      film: { missing: 1, extra: 0, changed: 0 },
      'sales.payment': { missing: 0, extra: 0, changed: 1 },
      '"Inventory"."StockItem"': { missing: 0, extra: 0, changed: 1 },
      wide_row: { missing: 0, extra: 1, changed: 0 },
      // no primary key: compared as whole rows, a changed row is one missing and one extra
      tag: { missing: 1, extra: 1, changed: 0 },
      audit_event: { missing: 0, extra: 0, changed: 0 },
    });
    expect(realEqual(await compareRealSchema(source, target))).toBe(false);
  });
});
