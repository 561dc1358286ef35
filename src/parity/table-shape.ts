/** Columns, types and primary key of a table, read from the catalog of one side. */
import type pg from 'pg';

export interface ColumnShape {
  name: string;
  /** format_type(): `numeric(12,2)`, `timestamp with time zone`, `text[]`... */
  type: string;
  /** pg_type.typcategory: N numeric, D date/time, U user (json...), A array, S string, B boolean, E enum... */
  category: string;
  /** Base type name without modifiers: numeric, jsonb, float8... */
  baseType: string;
  /** The type has a default hash operator class (so hash_record_extended can hash it). */
  hashable: boolean;
  /** Effective collation of a collatable column (the database's LC_COLLATE for "default"); null otherwise. */
  collation: string | null;
  /** Declared NOT NULL (the row hash then needs no NULL substitute for it). */
  notNull?: boolean;
}

export interface TableShape {
  schema: string;
  table: string;
  columns: ColumnShape[];
  primaryKey: string[];
}

export function splitName(name: string, defaultSchema: string): { schema: string; table: string } {
  const dot = name.indexOf('.');
  return dot > 0 ? { schema: name.slice(0, dot), table: name.slice(dot + 1) } : { schema: defaultSchema, table: name };
}

/** Returns undefined when the table does not exist. */
export async function readTableShape(client: pg.ClientBase | pg.Pool, schema: string, table: string): Promise<TableShape | undefined> {
  const cols = await client.query<{ name: string; type: string; category: string; base: string; hashable: boolean; collation: string | null; not_null: boolean }>(
    `SELECT a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type, t.typcategory AS category, a.attnotnull AS not_null,
            CASE WHEN a.attcollation = 0 THEN NULL
                 WHEN co.collname = 'default' THEN (SELECT datcollate FROM pg_database WHERE datname = current_database())
                 ELSE co.collname END AS collation,
            CASE WHEN t.typcategory = 'A' THEN 'array' ELSE t.typname END AS base,
            EXISTS (SELECT 1 FROM pg_opclass o JOIN pg_am am ON am.oid = o.opcmethod
                    WHERE am.amname = 'hash' AND o.opcdefault
                      AND o.opcintype = CASE WHEN t.typcategory = 'A' THEN t.typelem ELSE coalesce(nullif(t.typbasetype, 0), t.oid) END)
            -- enum values hash by OID, which differs between databases: arrays of enums are hashed as text
            AND NOT EXISTS (SELECT 1 FROM pg_type e WHERE t.typcategory = 'A' AND e.oid = t.typelem AND e.typcategory = 'E') AS hashable
     FROM pg_attribute a
     JOIN pg_class c ON c.oid = a.attrelid
     JOIN pg_namespace n ON n.oid = c.relnamespace
     JOIN pg_type t ON t.oid = a.atttypid
     LEFT JOIN pg_collation co ON co.oid = a.attcollation
     WHERE n.nspname = $1 AND c.relname = $2 AND a.attnum > 0 AND NOT a.attisdropped
     ORDER BY a.attnum`,
    [schema, table],
  );
  if (cols.rows.length === 0) return undefined;
  const pk = await client.query<{ name: string }>(
    `SELECT a.attname AS name
     FROM pg_index i
     JOIN pg_class c ON c.oid = i.indrelid
     JOIN pg_namespace n ON n.oid = c.relnamespace
     JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord) ON true
     JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.attnum
     WHERE n.nspname = $1 AND c.relname = $2 AND i.indisprimary
     ORDER BY k.ord`,
    [schema, table],
  );
  return {
    schema,
    table,
    columns: cols.rows.map((r) => ({ name: r.name, type: r.type, category: r.category, baseType: r.base, hashable: r.hashable, collation: r.collation, notNull: r.not_null })),
    primaryKey: pk.rows.map((r) => r.name),
  };
}
