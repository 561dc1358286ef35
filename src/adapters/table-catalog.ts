/**
 * Reads the catalog model of a set of tables (with their partitions) from a live PostgreSQL database: the types
 * their columns use (enums, domains, and the enums those domains are over), the sequences of their serial
 * columns, columns, constraints, indexes and partitioning. All DDL text comes from PostgreSQL's own printers
 * (format_type, pg_get_expr, pg_get_constraintdef, pg_get_indexdef, pg_get_partkeydef).
 */
import type pg from 'pg';
import { connect } from './postgres.ts';
import type { CatalogColumn, CatalogConstraint, CatalogModel, CatalogSequence, CatalogTable, CatalogType } from '../generators/migrations/catalog-model.ts';
import { tableKey } from '../generators/migrations/catalog-model.ts';

type Q = pg.ClientBase;

export async function readCatalogModel(url: string, tables: string[], role = 'monolith'): Promise<CatalogModel> {
  const client = await connect(url, { role });
  try {
    return await readCatalogWith(client, tables);
  } finally {
    await client.end();
  }
}

const split = (t: string) => (t.includes('.') ? { schema: t.slice(0, t.indexOf('.')), name: t.slice(t.indexOf('.') + 1) } : { schema: 'public', name: t });

export async function readCatalogWith(client: Q, names: string[]): Promise<CatalogModel> {
  const found = await client.query<{ oid: number; schema: string; name: string; want: string }>(
    `SELECT c.oid::int AS oid, n.nspname AS schema, c.relname AS name, w.want
     FROM unnest($1::text[], $2::text[], $3::text[]) AS w(s, t, want)
     JOIN pg_namespace n ON n.nspname = w.s JOIN pg_class c ON c.relnamespace = n.oid AND c.relname = w.t AND c.relkind IN ('r', 'p')`,
    [names.map((t) => split(t).schema), names.map((t) => split(t).name), names],
  );
  const missing = names.filter((t) => !found.rows.some((r) => r.want === t));
  const oids = await withPartitions(client, found.rows.map((r) => r.oid));
  const tables: CatalogTable[] = [];
  for (const oid of oids) tables.push(await readTable(client, oid));
  const typeOids = await usedTypes(client, oids);
  return { types: await readTypes(client, typeOids), sequences: await readOwnedSequences(client, oids), tables, missing };
}

/** The tables and, recursively, their partitions; parents first. */
async function withPartitions(client: Q, roots: number[]): Promise<number[]> {
  const r = await client.query<{ oid: number }>(
    `WITH RECURSIVE t(oid, depth) AS (SELECT unnest($1::oid[]), 0
       UNION SELECT i.inhrelid, t.depth + 1 FROM pg_inherits i JOIN t ON i.inhparent = t.oid)
     SELECT t.oid::int AS oid FROM t JOIN pg_class c ON c.oid = t.oid
     JOIN pg_namespace n ON n.oid = c.relnamespace GROUP BY t.oid, n.nspname, c.relname ORDER BY max(t.depth), n.nspname, c.relname`,
    [roots],
  );
  return r.rows.map((x) => x.oid);
}

async function readTable(client: Q, oid: number): Promise<CatalogTable> {
  const head = await client.query<{ schema: string; name: string; partkey: string | null; parent: string | null; bound: string | null }>(
    `SELECT n.nspname AS schema, c.relname AS name,
            CASE WHEN c.relkind = 'p' THEN pg_get_partkeydef(c.oid) END AS partkey,
            CASE WHEN c.relispartition THEN (SELECT format('%I.%I', pn.nspname, p.relname) FROM pg_inherits i JOIN pg_class p ON p.oid = i.inhparent JOIN pg_namespace pn ON pn.oid = p.relnamespace WHERE i.inhrelid = c.oid) END AS parent,
            CASE WHEN c.relispartition THEN pg_get_expr(c.relpartbound, c.oid) END AS bound
     FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = $1`,
    [oid],
  );
  const h = head.rows[0]!;
  return {
    schema: h.schema,
    name: h.name,
    columns: await readColumns(client, oid),
    constraints: await readConstraints(client, oid),
    indexes: await readIndexes(client, oid),
    ...(h.partkey ? { partitionKey: h.partkey } : {}),
    ...(h.parent ? { partitionOf: { parent: h.parent, bound: h.bound! } } : {}),
  };
}

async function readColumns(client: Q, oid: number): Promise<CatalogColumn[]> {
  const r = await client.query<{ name: string; type: string; notnull: boolean; def: string | null; identity: string; generated: string; seq: string | null }>(
    `SELECT a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type, a.attnotnull AS notnull,
            pg_get_expr(d.adbin, d.adrelid) AS def, a.attidentity::text AS identity, a.attgenerated::text AS generated,
            CASE WHEN a.attidentity <> '' THEN pg_get_serial_sequence(a.attrelid::regclass::text, a.attname) END AS seq
     FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
     WHERE a.attrelid = $1 AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum`,
    [oid],
  );
  const out: CatalogColumn[] = [];
  for (const c of r.rows) {
    const col: CatalogColumn = { name: c.name, type: c.type, notNull: c.notnull, identity: (c.identity || '') as CatalogColumn['identity'] };
    if (c.generated === 's') col.generatedExpr = c.def ?? undefined;
    else if (c.def !== null) col.defaultExpr = c.def;
    if (c.seq) col.identitySequence = (await readSequences(client, `SELECT $1::regclass::oid AS oid`, [c.seq]))[0];
    out.push(col);
  }
  return out;
}

async function readConstraints(client: Q, oid: number): Promise<CatalogConstraint[]> {
  const r = await client.query<{ name: string; type: CatalogConstraint['type']; def: string; cols: string[]; ref_schema: string | null; ref_table: string | null; ref_cols: string[] | null }>(
    `SELECT c.conname AS name, c.contype::text AS type, pg_get_constraintdef(c.oid) AS def,
            ARRAY(SELECT a.attname::text FROM unnest(c.conkey) WITH ORDINALITY k(n, o) JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.n ORDER BY k.o) AS cols,
            rn.nspname AS ref_schema, rc.relname AS ref_table,
            ARRAY(SELECT a.attname::text FROM unnest(c.confkey) WITH ORDINALITY k(n, o) JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.n ORDER BY k.o) AS ref_cols
     FROM pg_constraint c LEFT JOIN pg_class rc ON rc.oid = c.confrelid LEFT JOIN pg_namespace rn ON rn.oid = rc.relnamespace
     WHERE c.conrelid = $1 AND c.contype IN ('p', 'u', 'c', 'f', 'x') AND c.conislocal AND c.conparentid = 0
     ORDER BY c.contype, c.conname`,
    [oid],
  );
  return r.rows.map((c) => ({
    name: c.name,
    type: c.type,
    definition: c.def,
    columns: c.cols,
    ...(c.type === 'f' ? { references: { table: tableKey(c.ref_schema!, c.ref_table!), columns: c.ref_cols ?? [] } } : {}),
  }));
}

async function readIndexes(client: Q, oid: number): Promise<{ name: string; definition: string }[]> {
  const r = await client.query<{ name: string; definition: string }>(
    `SELECT ic.relname AS name, pg_get_indexdef(i.indexrelid) AS definition
     FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid
     WHERE i.indrelid = $1 AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid AND c.conrelid = i.indrelid)
       AND NOT EXISTS (SELECT 1 FROM pg_inherits h WHERE h.inhrelid = i.indexrelid)
     ORDER BY ic.relname`,
    [oid],
  );
  return r.rows;
}

/** Enum and domain types the columns use (through arrays and domains), dependencies first. */
async function usedTypes(client: Q, oids: number[]): Promise<number[]> {
  const r = await client.query<{ oid: number }>(
    `WITH RECURSIVE t(oid, depth) AS (
       SELECT DISTINCT CASE WHEN ty.typcategory = 'A' THEN ty.typelem ELSE ty.oid END, 0
       FROM pg_attribute a JOIN pg_type ty ON ty.oid = a.atttypid WHERE a.attrelid = ANY($1::oid[]) AND a.attnum > 0 AND NOT a.attisdropped
       UNION
       SELECT CASE WHEN b.typcategory = 'A' THEN b.typelem ELSE b.oid END, t.depth + 1 FROM t JOIN pg_type d ON d.oid = t.oid AND d.typtype = 'd' JOIN pg_type b ON b.oid = d.typbasetype)
     SELECT t.oid::int AS oid FROM t JOIN pg_type ty ON ty.oid = t.oid JOIN pg_namespace n ON n.oid = ty.typnamespace
     WHERE ty.typtype IN ('e', 'd') AND n.nspname NOT IN ('pg_catalog', 'information_schema')
     GROUP BY t.oid ORDER BY max(t.depth) DESC, t.oid`,
    [oids],
  );
  return r.rows.map((x) => x.oid);
}

async function readTypes(client: Q, oids: number[]): Promise<CatalogType[]> {
  const out: CatalogType[] = [];
  for (const oid of oids) {
    const t = (await client.query<{ schema: string; name: string; typtype: string; base: string; notnull: boolean; def: string | null; labels: string[] | null }>(
      `SELECT n.nspname AS schema, t.typname AS name, t.typtype::text AS typtype, format_type(t.typbasetype, t.typtypmod) AS base, t.typnotnull AS notnull,
              t.typdefault AS def, ARRAY(SELECT e.enumlabel::text FROM pg_enum e WHERE e.enumtypid = t.oid ORDER BY e.enumsortorder) AS labels
       FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace WHERE t.oid = $1`,
      [oid],
    )).rows[0]!;
    if (t.typtype === 'e') {
      out.push({ kind: 'enum', schema: t.schema, name: t.name, labels: t.labels ?? [] });
      continue;
    }
    const checks = await client.query<{ name: string; definition: string }>(
      `SELECT conname AS name, pg_get_constraintdef(oid) AS definition FROM pg_constraint WHERE contypid = $1 AND contype = 'c' ORDER BY conname`,
      [oid],
    );
    out.push({ kind: 'domain', schema: t.schema, name: t.name, baseType: t.base, notNull: t.notnull, ...(t.def !== null ? { defaultExpr: t.def } : {}), checks: checks.rows });
  }
  return out;
}

/** Sequences owned by a non-identity column of these tables (serial), or named in their defaults. */
async function readOwnedSequences(client: Q, oids: number[]): Promise<CatalogSequence[]> {
  return readSequences(
    client,
    `SELECT DISTINCT s.oid FROM pg_class s JOIN pg_depend d ON d.objid = s.oid AND d.classid = 'pg_class'::regclass AND d.refclassid = 'pg_class'::regclass
     WHERE s.relkind = 'S' AND d.refobjid = ANY($1::oid[]) AND d.deptype = 'a'
     UNION SELECT DISTINCT d.refobjid FROM pg_attrdef ad JOIN pg_depend d ON d.classid = 'pg_attrdef'::regclass AND d.objid = ad.oid AND d.refclassid = 'pg_class'::regclass
       JOIN pg_class s ON s.oid = d.refobjid AND s.relkind = 'S' WHERE ad.adrelid = ANY($1::oid[])`,
    [oids],
  );
}

async function readSequences(client: Q, oidQuery: string, params: unknown[]): Promise<CatalogSequence[]> {
  const r = await client.query<{ schema: string; name: string; type: string; start: string; inc: string; min: string; max: string; cache: string; cycle: boolean; owner: string | null }>(
    `WITH o AS (${oidQuery})
     SELECT n.nspname AS schema, c.relname AS name, format_type(s.seqtypid, NULL) AS type, s.seqstart::text AS start, s.seqincrement::text AS inc,
            s.seqmin::text AS min, s.seqmax::text AS max, s.seqcache::text AS cache, s.seqcycle AS cycle,
            (SELECT format('%I.%I', tc.relname, a.attname) FROM pg_depend d JOIN pg_class tc ON tc.oid = d.refobjid JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
              WHERE d.objid = c.oid AND d.classid = 'pg_class'::regclass AND d.refclassid = 'pg_class'::regclass AND d.deptype = 'a') AS owner
     FROM o JOIN pg_sequence s ON s.seqrelid = o.oid JOIN pg_class c ON c.oid = s.seqrelid JOIN pg_namespace n ON n.oid = c.relnamespace ORDER BY n.nspname, c.relname`,
    params,
  );
  return r.rows.map((s) => ({ schema: s.schema, name: s.name, dataType: s.type, start: s.start, increment: s.inc, min: s.min, max: s.max, cache: s.cache, cycle: s.cycle, ...(s.owner ? { ownedBy: s.owner } : {}) }));
}

/**
 * The catalog model from a `pg_dump --schema-only` file: the dump is loaded into a temporary database on `serverUrl`
 * (created and dropped here; psql meta-commands are left out), and the tables read from it.
 */
export async function readCatalogFromDump(serverUrl: string, dumpText: string, tables: string[]): Promise<CatalogModel> {
  const name = `strangler_dump_${process.pid}_${Date.now().toString(36)}`;
  const admin = await connect(serverUrl, { role: 'scratch' });
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  try {
    const client = await connect(url.toString(), { role: 'scratch' });
    try {
      await client.query(dumpText.split('\n').filter((l) => !l.startsWith('\\')).join('\n'));
      await client.query(`SELECT pg_catalog.set_config('search_path', 'public', false)`);
      return await readCatalogWith(client, tables);
    } finally {
      await client.end();
    }
  } finally {
    const cleanup = await connect(serverUrl, { role: 'scratch' });
    await cleanup.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).finally(() => cleanup.end());
  }
}

/** Every table of the database outside the system schemas (`name` in public, else `schema.name`): what the code move may see named in SQL. */
export async function listTableNames(url: string, role = 'monolith'): Promise<string[]> {
  const client = await connect(url, { role });
  try {
    const r = await client.query<{ name: string }>(
      `SELECT CASE WHEN n.nspname = 'public' THEN c.relname ELSE n.nspname || '.' || c.relname END AS name
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f') AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%'
       ORDER BY 1`,
    );
    return r.rows.map((x) => x.name);
  } finally {
    await client.end();
  }
}
