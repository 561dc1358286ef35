/**
 * Table definitions read from the catalog (columns, types incl. enums and arrays, defaults, identity,
 * primary key, indexes, replica identity, sequences), target tables created from them, and the
 * compatibility check between a source table and an existing target table.
 */
import type pg from 'pg';
import { quoteIdent } from '../adapters/postgres.ts';
import { parseTableName } from '../adapters/postgres-relations.ts';
import { createTypeStatements, TYPE_SQL, type UserType } from './type-definitions.ts';

export interface ColumnDefinition {
  name: string;
  /** format_type(): `numeric(12,2)`, `text[]`, `mood`... */
  type: string;
  /** The type as DDL for another database: user types schema-qualified (`public.mood[]`), others as `type`. */
  ddlType: string;
  typeOid: number;
  notNull: boolean;
  /** pg_get_expr() of the default, when any. */
  defaultExpr?: string;
  /** 'a' (ALWAYS) / 'd' (BY DEFAULT) identity, '' otherwise. */
  identity: string;
  /** A stored generated column: its expression (never written by sync; the service computes it). */
  generated?: string;
  /** The sequence behind the column: owned by it (serial, identity) or called by its default's nextval(). */
  sequence?: string;
}

export interface TableDefinition {
  schema: string;
  table: string;
  /** 'r' table, 'p' partitioned table. */
  kind: string;
  columns: ColumnDefinition[];
  primaryKey: string[];
  /** d default, n nothing, f full, i index */
  replicaIdentity: string;
  /** REPLICA IDENTITY USING INDEX: the index and its columns. */
  identityIndex?: { name: string; columns: string[] };
  /** CREATE INDEX statements of the non-primary-key indexes. */
  indexes: { name: string; definition: string }[];
}

/** `table`, `schema.table` or `"Quoted"."Names"` -> schema and table (case kept). */
export function splitTableName(name: string, defaultSchema = 'public'): { schema: string; table: string } {
  return parseTableName(name, defaultSchema);
}

export function qualified(schema: string, table: string): string {
  return `${quoteIdent(schema)}.${quoteIdent(table)}`;
}

/** Columns sync writes (generated columns are computed by the database that holds the row). */
export function writableColumns(def: TableDefinition): ColumnDefinition[] {
  return def.columns.filter((c) => !c.generated);
}

/** Returns undefined when the table does not exist. */
export async function readTableDefinition(client: pg.ClientBase | pg.Pool, schema: string, table: string): Promise<TableDefinition | undefined> {
  const rel = await client.query<{ oid: number; relreplident: string; relkind: string }>(
    `SELECT c.oid, c.relreplident, c.relkind::text AS relkind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = $1 AND c.relname = $2 AND c.relkind IN ('r', 'p')`,
    [schema, table],
  );
  const r = rel.rows[0];
  if (!r) return undefined;
  const cols = await client.query<{
    name: string; type: string; ddl_type: string; type_oid: number; notnull: boolean; def: string | null; identity: string; generated: string; seq: string | null;
  }>(
    `SELECT a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type, ${TYPE_SQL('a.atttypid', 'a.atttypmod')} AS ddl_type,
            a.atttypid::int AS type_oid, a.attnotnull AS notnull,
            pg_get_expr(d.adbin, d.adrelid) AS def, a.attidentity::text AS identity, a.attgenerated::text AS generated,
            coalesce(
              (SELECT s.oid::regclass::text FROM pg_depend dep JOIN pg_class s ON s.oid = dep.objid AND s.relkind = 'S'
                WHERE dep.classid = 'pg_class'::regclass AND dep.refclassid = 'pg_class'::regclass AND dep.refobjid = a.attrelid
                  AND dep.refobjsubid = a.attnum AND dep.deptype IN ('a', 'i') LIMIT 1),
              (SELECT s.oid::regclass::text FROM pg_depend dep JOIN pg_class s ON s.oid = dep.refobjid AND s.relkind = 'S'
                WHERE dep.classid = 'pg_attrdef'::regclass AND dep.objid = d.oid AND dep.refclassid = 'pg_class'::regclass LIMIT 1)
            ) AS seq
     FROM pg_attribute a
     LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
     WHERE a.attrelid = $1 AND a.attnum > 0 AND NOT a.attisdropped
     ORDER BY a.attnum`,
    [r.oid],
  );
  const keyOf = async (where: string) =>
    (
      await client.query<{ name: string; index: string }>(
        `SELECT a.attname AS name, ic.relname AS index FROM pg_index i
         JOIN pg_class ic ON ic.oid = i.indexrelid
         JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord) ON true
         JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
         WHERE i.indrelid = $1 AND ${where} ORDER BY k.ord`,
        [r.oid],
      )
    ).rows;
  const pk = await keyOf('i.indisprimary');
  const ident = r.relreplident === 'i' ? await keyOf('i.indisreplident') : [];
  const idx = await client.query<{ name: string; definition: string }>(
    `SELECT ic.relname AS name, pg_get_indexdef(i.indexrelid) AS definition
     FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid
     WHERE i.indrelid = $1 AND NOT i.indisprimary ORDER BY ic.relname`,
    [r.oid],
  );
  return {
    schema,
    table,
    kind: r.relkind,
    replicaIdentity: r.relreplident,
    primaryKey: pk.map((x) => x.name),
    ...(ident.length ? { identityIndex: { name: ident[0]!.index, columns: ident.map((x) => x.name) } } : {}),
    indexes: idx.rows,
    columns: cols.rows.map((c) => ({
      name: c.name,
      type: c.type,
      ddlType: c.ddl_type,
      typeOid: c.type_oid,
      notNull: c.notnull,
      identity: c.identity ?? '',
      ...(c.generated === 's' ? { generated: c.def ?? '' } : c.def ? { defaultExpr: c.def } : {}),
      ...(c.seq ? { sequence: c.seq } : {}),
    })),
  };
}

/** The DDL that creates `def` as `targetSchema.table` (types, sequences, table, primary key, indexes). */
export function createTableStatements(def: TableDefinition, targetSchema: string, types: UserType[] = []): string[] {
  const out: string[] = [`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(targetSchema)}`];
  for (const t of types) out.push(...createTypeStatements(t));
  const target = qualified(targetSchema, def.table);
  const sequences: string[] = [];
  const columns = def.columns.map((c) => {
    let sql = `${quoteIdent(c.name)} ${c.ddlType}`;
    if (c.generated) sql += ` GENERATED ALWAYS AS (${c.generated}) STORED`;
    else if (c.identity) sql += ' GENERATED BY DEFAULT AS IDENTITY';
    else if (c.defaultExpr && /^nextval\(/i.test(c.defaultExpr)) {
      const seq = `${def.table}_${c.name}_seq`;
      out.push(`CREATE SEQUENCE IF NOT EXISTS ${qualified(targetSchema, seq)}`);
      sequences.push(`ALTER SEQUENCE ${qualified(targetSchema, seq)} OWNED BY ${target}.${quoteIdent(c.name)}`);
      sql += ` DEFAULT nextval('${qualified(targetSchema, seq).replace(/'/g, "''")}'::regclass)`;
    } else if (c.defaultExpr && isPortableDefault(c.defaultExpr)) sql += ` DEFAULT ${c.defaultExpr}`;
    if (c.notNull && !c.generated) sql += ' NOT NULL';
    return sql;
  });
  if (def.primaryKey.length) columns.push(`PRIMARY KEY (${def.primaryKey.map(quoteIdent).join(', ')})`);
  out.push(`CREATE TABLE ${target} (\n  ${columns.join(',\n  ')}\n)`);
  out.push(...sequences);
  for (const idx of def.indexes) out.push(retargetIndex(idx.definition, def, targetSchema));
  if (def.replicaIdentity === 'f') out.push(`ALTER TABLE ${target} REPLICA IDENTITY FULL`);
  if (def.identityIndex) out.push(`ALTER TABLE ${target} REPLICA IDENTITY USING INDEX ${quoteIdent(def.identityIndex.name)}`);
  return out;
}

/** Defaults that do not depend on objects of the source database (functions, sequences). */
export function isPortableDefault(expr: string): boolean {
  return /^(now\(\)|CURRENT_TIMESTAMP|CURRENT_DATE|true|false|gen_random_uuid\(\)|'[^']*'(::[\w\s"[\].]+)?|-?\d+(\.\d+)?(::[\w\s]+)?|NULL(::[\w\s]+)?)$/i.test(expr.trim());
}

/** `CREATE [UNIQUE] INDEX name ON [ONLY] src.table USING ...` -> the same on the target table. */
export function retargetIndex(definition: string, def: TableDefinition, targetSchema: string): string {
  const ident = '(?:"(?:[^"]|"")*"|[^\\s."]+)';
  const m = new RegExp(`^CREATE (UNIQUE )?INDEX (${ident}) ON (ONLY )?(${ident}(?:\\.${ident})?) (USING .*)$`, 's').exec(definition);
  if (!m) return definition;
  return `CREATE ${m[1] ?? ''}INDEX IF NOT EXISTS ${m[2]} ON ${qualified(targetSchema, def.table)} ${m[5]}`;
}

export interface Incompatibility {
  table: string;
  problem: string;
}

/** Columns of the source that the target lacks or types differently; primary key differences. */
export function compareDefinitions(source: TableDefinition, target: TableDefinition): Incompatibility[] {
  const out: Incompatibility[] = [];
  const name = `${target.schema}.${target.table}`;
  const targetCols = new Map(target.columns.map((c) => [c.name, c]));
  for (const c of source.columns) {
    const t = targetCols.get(c.name);
    if (!t) out.push({ table: name, problem: `column ${c.name} (${c.type}) is missing in the target` });
    else if (normalizeType(t.type) !== normalizeType(c.type)) {
      out.push({ table: name, problem: `column ${c.name} is ${t.type} in the target but ${c.type} in the source` });
    }
  }
  for (const t of target.columns) {
    if (!source.columns.some((c) => c.name === t.name) && t.notNull && !t.defaultExpr && !t.identity) {
      out.push({ table: name, problem: `target column ${t.name} is NOT NULL without a default and has no source column` });
    }
  }
  if (source.primaryKey.join(',') !== target.primaryKey.join(',') && (source.primaryKey.length > 0 || target.primaryKey.length > 0)) {
    out.push({ table: name, problem: `primary key (${target.primaryKey.join(', ')}) differs from the source's (${source.primaryKey.join(', ')})` });
  }
  return out;
}

function normalizeType(t: string): string {
  return t.replace(/"/g, '').replace(/^[a-z_][a-z0-9_]*\./, '');
}
