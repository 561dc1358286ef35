/**
 * The knex migrations extract writes recreate the context's tables exactly: the catalog model read back from a
 * freshly migrated database equals the monolith's (columns, types, nullability, defaults, identity and serial
 * sequences, constraints, indexes, partitions), on the sample's eight contexts and on a schema with domains,
 * enums, arrays and a partitioned table; a foreign key out of the context becomes a seam instead.
 */
import knexFactory, { type Knex } from 'knex';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { migrateLatest } from '../../../fixtures/sample-monolith/src/index.ts';
import { readCatalogFromDump, readCatalogModel } from '../../../src/adapters/table-catalog.ts';
import type { CatalogModel } from '../../../src/generators/migrations/catalog-model.ts';
import { renderKnexMigration, schemaDdl } from '../../../src/generators/migrations/schema-ddl.ts';
import { adminUrl, createTestDatabase, queryOnce } from '../../harness/databases.ts';

const dbs: { drop(): Promise<void> }[] = [];
afterAll(async () => {
  for (const d of dbs) await d.drop().catch(() => {});
});
async function db(prefix: string): Promise<string> {
  const d = await createTestDatabase(prefix);
  dbs.push(d);
  return d.url;
}

/** Runs one generated migration file through knex's migrator, as the service's `npm run migrate` does. */
async function migrate(url: string, file: string): Promise<void> {
  const knex = knexFactory({ client: 'pg', connection: url, pool: { min: 0, max: 1 } });
  const source: Knex.MigrationSource<string> = {
    getMigrations: async () => [path.basename(file)],
    getMigrationName: (n) => n,
    getMigration: async () => (await import(file)) as Knex.Migration,
  };
  try {
    await knex.migrate.latest({ migrationSource: source });
  } finally {
    await knex.destroy();
  }
}

/** What must match: everything but foreign keys leaving the context (those are seams). */
function expected(model: CatalogModel): CatalogModel {
  const owned = new Set(model.tables.map((t) => (t.schema === 'public' ? t.name : `${t.schema}.${t.name}`)));
  return { ...model, tables: model.tables.map((t) => ({ ...t, constraints: t.constraints.filter((c) => c.type !== 'f' || owned.has(c.references!.table)) })) };
}

async function extractAndCompare(monolith: string, tables: string[], name: string) {
  const model = await readCatalogModel(monolith, tables);
  const ddl = schemaDdl(model);
  const dir = await mkdtemp(path.join(os.tmpdir(), `migr-${name}-`));
  const file = path.join(dir, `0001_${name}_schema.ts`);
  await writeFile(file, renderKnexMigration(ddl, `tables of ${name}`));
  const service = await db(`migr_${name}`);
  await migrate(service, file);
  const migrated = await readCatalogModel(service, tables, 'service');
  return { model, ddl, migrated, service };
}

describe('extract migrations: catalog comparison', () => {
  let shop: string;
  beforeAll(async () => {
    shop = await db('migr_shop');
    await migrateLatest(shop);
  });

  it('recreate each of the sample contexts exactly; foreign keys to other contexts become seams', async () => {
    const truth = parse(await readFile('fixtures/sample-monolith/domains.yaml', 'utf8')) as { contexts: Record<string, { tables: string[] }> };
    const ownerOf = (t: string) => Object.entries(truth.contexts).find(([, c]) => c.tables.includes(t))?.[0];
    let seams = 0;
    for (const [name, c] of Object.entries(truth.contexts)) {
      const { model, migrated, ddl } = await extractAndCompare(shop, c.tables, name);
      expect(model.missing, name).toEqual([]);
      expect(model.tables.length, name).toBe(c.tables.length);
      expect(migrated, name).toEqual(expected(model));
      for (const s of ddl.seams) expect(c.tables.map((t) => s.from.startsWith(`${t}.`)).some(Boolean), s.from).toBe(true);
      seams += schemaDdl(model, { ownerOf }).seams.length;
    }
    // e.g. orders.user_id -> users.id, cart_items.product_id -> products.id
    expect(seams).toBeGreaterThan(5);
    const orders = schemaDdl(await readCatalogModel(shop, truth.contexts.orders!.tables), { ownerOf });
    expect(orders.seams).toContainEqual(expect.objectContaining({ kind: 'foreignKey', from: 'orders.user_id', to: 'users.id', otherContext: 'users' }));
  });

  it("read from the sample's pg_dump --schema-only file give the same model as the live database", async () => {
    const truth = parse(await readFile('fixtures/sample-monolith/domains.yaml', 'utf8')) as { contexts: Record<string, { tables: string[] }> };
    const dump = await readFile('fixtures/sample-monolith/schema.sql', 'utf8');
    for (const name of ['catalog', 'orders']) {
      const tables = truth.contexts[name]!.tables;
      expect(await readCatalogFromDump(adminUrl(), dump, tables), name).toEqual(await readCatalogModel(shop, tables));
    }
  });

  it('recreate domains, enums, arrays, jsonb, uuid, numeric, generated and identity columns, and a partitioned table', async () => {
    const monolith = await db('migr_rich');
    await queryOnce(monolith, RICH_SCHEMA);
    const tables = ['ledger.accounts', 'events', 'tags', 'owners_outside_ref'];
    const { model, migrated, ddl } = await extractAndCompare(monolith, tables, 'rich');
    expect(model.tables.map((t) => `${t.schema}.${t.name}`)).toEqual(['ledger.accounts', 'public.events', 'public.owners_outside_ref', 'public.tags', 'public.events_2025', 'public.events_2026', 'public.events_default']);
    expect(model.types.map((t) => `${t.kind}:${t.name}`)).toEqual(['enum:mood', 'domain:email', 'domain:positive_money', 'domain:mood_not_sad']);
    expect(model.tables.find((t) => t.name === 'events')!.partitionKey).toBe('RANGE (at)');
    expect(migrated).toEqual(expected(model));
    expect(ddl.seams).toEqual([expect.objectContaining({ kind: 'foreignKey', from: 'owners_outside_ref.owner_id', to: 'people.id' })]);
    // the data types behave: the domain's check and the enum array are enforced in the service database
    const service = (await extractAndCompare(monolith, tables, 'rich2')).service;
    await expect(queryOnce(service, `INSERT INTO ledger.accounts (email, balance) VALUES ('a@b.c', -1)`)).rejects.toThrow(/positive_money/);
    await queryOnce(service, `INSERT INTO events (at, moods, payload) VALUES ('2026-03-01', '{happy,ok}', '{"a":1}')`);
    const rows = await queryOnce(service, `SELECT tableoid::regclass::text AS part, moods::text FROM events`);
    expect(rows.rows).toEqual([{ part: 'events_2026', moods: '{happy,ok}' }]);
  });
});

const RICH_SCHEMA = `
CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');
CREATE DOMAIN email AS text CHECK (VALUE ~ '^[^@]+@[^@]+$');
CREATE DOMAIN positive_money AS numeric(14,4) NOT NULL DEFAULT 0 CONSTRAINT positive_money_check CHECK (VALUE >= 0);
CREATE DOMAIN mood_not_sad AS mood CHECK (VALUE <> 'sad');
CREATE SCHEMA ledger;
CREATE TABLE ledger.accounts (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  number bigint GENERATED ALWAYS AS IDENTITY (START WITH 1000 INCREMENT BY 7),
  email email NOT NULL,
  balance positive_money,
  credit_limit numeric(12,2) DEFAULT 100.50 CHECK (credit_limit >= 0),
  opened_at timestamptz NOT NULL DEFAULT now(),
  profile jsonb NOT NULL DEFAULT '{}'::jsonb,
  doubled numeric GENERATED ALWAYS AS (credit_limit * 2) STORED,
  CONSTRAINT accounts_email_key UNIQUE (email)
);
CREATE INDEX accounts_profile_gin ON ledger.accounts USING gin (profile jsonb_path_ops);
CREATE INDEX accounts_lower_email ON ledger.accounts (lower(email::text)) WHERE balance > 0;
CREATE TABLE events (
  id bigserial,
  at timestamptz NOT NULL,
  account_id uuid REFERENCES ledger.accounts(id) ON DELETE CASCADE,
  moods mood[] NOT NULL DEFAULT '{ok}',
  mood_now mood_not_sad,
  labels text[] DEFAULT ARRAY['a', 'b'],
  payload jsonb,
  PRIMARY KEY (id, at)
) PARTITION BY RANGE (at);
CREATE TABLE events_2025 PARTITION OF events FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
CREATE TABLE events_2026 PARTITION OF events FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
CREATE TABLE events_default PARTITION OF events DEFAULT;
CREATE INDEX events_account_idx ON events (account_id, at DESC);
CREATE TABLE tags (id serial PRIMARY KEY, name varchar(40) NOT NULL, weight real, ratio double precision, small smallint CHECK (small BETWEEN 0 AND 9));
CREATE UNIQUE INDEX tags_name_lower ON tags (lower(name));
CREATE TABLE people (id bigint PRIMARY KEY);
CREATE TABLE owners_outside_ref (id int PRIMARY KEY, owner_id bigint REFERENCES people(id), tag_id int REFERENCES tags(id));
`;
