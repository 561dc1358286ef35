/**
 * Table definitions read from the catalog (columns, types incl. enums and arrays, defaults, identity,
 * primary key, indexes, replica identity, sequences), target tables created from them, and the
 * compatibility check between a source table and an existing target table.
 */
import type pg from 'pg';
import { quoteIdent } from '../adapters/postgres.ts';

export interface ColumnDefinition {
  name: string;
  /** format_type(): `numeric(12,2)`, `text[]`, `mood`... */
  type: string;
  notNull: boolean;
  /** pg_get_expr() of the default, when any. */
  defaultExpr?: string;
  /** 'a' (ALWAYS) / 'd' (BY DEFAULT) identity, '' otherwise. */
  identity: string;
  /** The enum type behind the column (itself or its array element), when any. */
  enumType?: { schema: string; name: string; labels: string[] };
  /** Sequence owned by the column (serial or identity). */
  sequence?: string;
}

export interface TableDefinition {
  schema: string;
  table: string;
  columns: ColumnDefinition[];
  primaryKey: string[];
  /** d default, n nothing, f full, i index */
  replicaIdentity: string;
  /** CREATE INDEX statements of the non-primary-key indexes. */
  indexes: { name: string; definition: string }[];
}

export function splitTableName(name: string, defaultSchema = 'public'): { schema: string; table: string } {
  const dot = name.indexOf('.');
  return dot > 0 ? { schema: name.slice(0, dot), table: name.slice(dot + 1) } : { schema: defaultSchema, table: name };
}

export function qualified(schema: string, table: string): string {
  return `${quoteIdent(schema)}.${quoteIdent(table)}`;
}

/** Returns undefined when the table does not exist. */
export async function readTableDefinition(client: pg.ClientBase | pg.Pool, schema: string, table: string): Promise<TableDefinition | undefined> {
  const rel = await client.query<{ oid: number; relreplident: string }>(
    `SELECT c.oid, c.relreplident FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = $1 AND c.relname = $2 AND c.relkind IN ('r', 'p')`,
    [schema, table],
  );
  const r = rel.rows[0];
  if (!r) return undefined;
  const cols = await client.query<{
    name: string; type: string; notnull: boolean; def: string | null; identity: string;
    enum_schema: string | null; enum_name: string | null; labels: string[] | null; seq: string | null;
  }>(
    `SELECT a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type, a.attnotnull AS notnull,
            pg_get_expr(d.adbin, d.adrelid) AS def, a.attidentity::text AS identity,
            en.nspname AS enum_schema, et.typname AS enum_name,
            (SELECT array_agg(e.enumlabel::text ORDER BY e.enumsortorder) FROM pg_enum e WHERE e.enumtypid = et.oid) AS labels,
            pg_get_serial_sequence(format('%I.%I', $2::text, $3::text), a.attname) AS seq
     FROM pg_attribute a
     JOIN pg_type t ON t.oid = a.atttypid
     LEFT JOIN pg_type et ON et.oid = CASE WHEN t.typcategory = 'A' THEN t.typelem ELSE t.oid END AND et.typtype = 'e'
     LEFT JOIN pg_namespace en ON en.oid = et.typnamespace
     LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
     WHERE a.attrelid = $1 AND a.attnum > 0 AND NOT a.attisdropped
     ORDER BY a.attnum`,
    [r.oid, schema, table],
  );
  const pk = await client.query<{ name: string }>(
    `SELECT a.attname AS name FROM pg_index i
     JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord) ON true
     JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
     WHERE i.indrelid = $1 AND i.indisprimary ORDER BY k.ord`,
    [r.oid],
  );
  const idx = await client.query<{ name: string; definition: string }>(
    `SELECT ic.relname AS name, pg_get_indexdef(i.indexrelid) AS definition
     FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid
     WHERE i.indrelid = $1 AND NOT i.indisprimary ORDER BY ic.relname`,
    [r.oid],
  );
  return {
    schema,
    table,
    replicaIdentity: r.relreplident,
    primaryKey: pk.rows.map((x) => x.name),
    indexes: idx.rows,
    columns: cols.rows.map((c) => ({
      name: c.name,
      type: c.type,
      notNull: c.notnull,
      defaultExpr: c.def ?? undefined,
      identity: c.identity ?? '',
      enumType: c.enum_name ? { schema: c.enum_schema!, name: c.enum_name, labels: c.labels ?? [] } : undefined,
      sequence: c.seq ?? undefined,
    })),
  };
}

/** The DDL that creates `def` as `targetSchema.table` (enums, sequences, table, primary key, indexes). */
export function createTableStatements(def: TableDefinition, targetSchema: string): string[] {
  const out: string[] = [`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(targetSchema)}`];
  const enums = new Map<string, { schema: string; name: string; labels: string[] }>();
  for (const c of def.columns) if (c.enumType) enums.set(`${c.enumType.schema}.${c.enumType.name}`, c.enumType);
  for (const e of enums.values()) {
    const labels = e.labels.map((l) => `'${l.replace(/'/g, "''")}'`).join(', ');
    out.push(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(e.schema)}`);
    out.push(
      `DO $$ BEGIN CREATE TYPE ${qualified(e.schema, e.name)} AS ENUM (${labels}); EXCEPTION WHEN duplicate_object THEN NULL; END $$`,
    );
  }
  const target = qualified(targetSchema, def.table);
  const sequences: string[] = [];
  const columns = def.columns.map((c) => {
    const type = c.enumType && !c.type.includes('.') ? c.type.replace(c.enumType.name, `${quoteIdent(c.enumType.schema)}.${quoteIdent(c.enumType.name)}`) : c.type;
    let sql = `${quoteIdent(c.name)} ${type}`;
    if (c.identity) sql += ' GENERATED BY DEFAULT AS IDENTITY';
    else if (c.defaultExpr?.startsWith('nextval(')) {
      const seq = `${def.table}_${c.name}_seq`;
      out.push(`CREATE SEQUENCE IF NOT EXISTS ${qualified(targetSchema, seq)}`);
      sequences.push(`ALTER SEQUENCE ${qualified(targetSchema, seq)} OWNED BY ${target}.${quoteIdent(c.name)}`);
      sql += ` DEFAULT nextval('${qualified(targetSchema, seq).replace(/'/g, "''")}'::regclass)`;
    } else if (c.defaultExpr && isPortableDefault(c.defaultExpr)) sql += ` DEFAULT ${c.defaultExpr}`;
    if (c.notNull) sql += ' NOT NULL';
    return sql;
  });
  if (def.primaryKey.length) columns.push(`PRIMARY KEY (${def.primaryKey.map(quoteIdent).join(', ')})`);
  out.push(`CREATE TABLE ${target} (\n  ${columns.join(',\n  ')}\n)`);
  out.push(...sequences);
  if (def.replicaIdentity === 'f') out.push(`ALTER TABLE ${target} REPLICA IDENTITY FULL`);
  for (const idx of def.indexes) out.push(retargetIndex(idx.definition, def, targetSchema));
  return out;
}

/** Defaults that do not depend on objects of the source database (functions, sequences). */
function isPortableDefault(expr: string): boolean {
  return /^(now\(\)|CURRENT_TIMESTAMP|CURRENT_DATE|true|false|gen_random_uuid\(\)|'[^']*'(::[\w\s"[\].]+)?|-?\d+(\.\d+)?(::[\w\s]+)?|NULL(::[\w\s]+)?)$/i.test(expr.trim());
}

/** `CREATE [UNIQUE] INDEX name ON [ONLY] src.table USING ...` -> the same on the target table. */
export function retargetIndex(definition: string, def: TableDefinition, targetSchema: string): string {
  const m = /^CREATE (UNIQUE )?INDEX (\S+) ON (ONLY )?(\S+) (USING .*)$/s.exec(definition);
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
