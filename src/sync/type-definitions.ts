/**
 * The user-defined types that a table's columns need, read from the catalog in dependency order: enums, domains
 * (with their base type, default, NOT NULL and CHECK constraints), composite types, range types, and the element
 * types of arrays. Types that belong to an extension are not created but reported by extension name (the service
 * needs `CREATE EXTENSION`). Built-in types (pg_catalog) need nothing.
 */
import type pg from 'pg';
import { quoteIdent } from '../adapters/postgres.ts';

export type UserType =
  | { kind: 'enum'; schema: string; name: string; labels: string[] }
  | { kind: 'domain'; schema: string; name: string; base: string; notNull: boolean; defaultExpr?: string; checks: { name: string; definition: string }[] }
  | { kind: 'composite'; schema: string; name: string; attributes: { name: string; type: string }[] }
  | { kind: 'range'; schema: string; name: string; subtype: string };

export interface TypeNeeds {
  /** In creation order (a type after the types it is made of). */
  types: UserType[];
  /** Extensions whose types the columns use. */
  extensions: string[];
}

interface TypeRow {
  oid: number;
  schema: string;
  name: string;
  typtype: string;
  elem: number;
  category: string;
  basetype: number;
  basetypmod: number;
  relid: number;
  notnull: boolean;
  default_expr: string | null;
  extension: string | null;
}

/**
 * SQL that names the type `oid` with modifier `mod` for DDL in another database: built-in and extension types as
 * format_type() writes them, user types schema-qualified (arrays with `[]`). Needs pg_type `t` joined on the type.
 */
export const TYPE_SQL = (oidExpr: string, modExpr: string) => `(
  SELECT CASE WHEN en.nspname IN ('pg_catalog', 'information_schema')
                OR EXISTS (SELECT 1 FROM pg_depend ed WHERE ed.classid = 'pg_type'::regclass AND ed.objid = e.oid AND ed.deptype = 'e')
              THEN format_type(${oidExpr}, ${modExpr})
              ELSE quote_ident(en.nspname) || '.' || quote_ident(e.typname) || CASE WHEN e.oid <> tt.oid THEN '[]' ELSE '' END END
  FROM pg_type tt
  JOIN pg_type e ON e.oid = CASE WHEN tt.typcategory = 'A' AND tt.typelem <> 0 THEN tt.typelem ELSE tt.oid END
  JOIN pg_namespace en ON en.oid = e.typnamespace
  WHERE tt.oid = ${oidExpr})`;

async function readType(client: pg.ClientBase | pg.Pool, oid: number): Promise<TypeRow> {
  const r = await client.query<TypeRow>(
    `SELECT t.oid::int AS oid, n.nspname AS schema, t.typname AS name, t.typtype::text AS typtype, t.typelem::int AS elem,
            t.typcategory::text AS category, t.typbasetype::int AS basetype, t.typtypmod AS basetypmod, t.typrelid::int AS relid,
            t.typnotnull AS notnull, t.typdefault AS default_expr,
            (SELECT x.extname FROM pg_depend d JOIN pg_extension x ON x.oid = d.refobjid
              WHERE d.classid = 'pg_type'::regclass AND d.objid = t.oid AND d.refclassid = 'pg_extension'::regclass AND d.deptype = 'e') AS extension
     FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace WHERE t.oid = $1`,
    [oid],
  );
  return r.rows[0]!;
}

async function typeSql(client: pg.ClientBase | pg.Pool, oid: number, mod: number): Promise<string> {
  const r = await client.query<{ sql: string }>(`SELECT ${TYPE_SQL('$1::oid', '$2::int')} AS sql`, [oid, mod]);
  return r.rows[0]!.sql;
}

/** Walks the types behind `oids` (column types) depth first, so that each type comes after what it is made of. */
export async function readTypeNeeds(client: pg.ClientBase | pg.Pool, oids: number[]): Promise<TypeNeeds> {
  const types: UserType[] = [];
  const extensions = new Set<string>();
  const seen = new Set<number>();
  const visit = async (oid: number): Promise<void> => {
    if (!oid || seen.has(oid)) return;
    seen.add(oid);
    const t = await readType(client, oid);
    if (!t || t.schema === 'pg_catalog' || t.schema === 'information_schema') return;
    if (t.extension) {
      extensions.add(t.extension);
      return;
    }
    if (t.category === 'A' && t.elem) return visit(t.elem);
    if (t.typtype === 'e') types.push({ kind: 'enum', schema: t.schema, name: t.name, labels: await enumLabels(client, oid) });
    else if (t.typtype === 'd') {
      await visit(t.basetype);
      const checks = await client.query<{ name: string; definition: string }>(
        `SELECT conname AS name, pg_get_constraintdef(oid) AS definition FROM pg_constraint WHERE contypid = $1 AND contype = 'c' ORDER BY conname`,
        [oid],
      );
      types.push({
        kind: 'domain', schema: t.schema, name: t.name, base: await typeSql(client, t.basetype, t.basetypmod), notNull: t.notnull,
        ...(t.default_expr ? { defaultExpr: t.default_expr } : {}), checks: checks.rows,
      });
    } else if (t.typtype === 'c' && t.relid) {
      const attrs = await client.query<{ name: string; oid: number; mod: number; sql: string }>(
        `SELECT a.attname AS name, a.atttypid::int AS oid, a.atttypmod AS mod, ${TYPE_SQL('a.atttypid', 'a.atttypmod')} AS sql
         FROM pg_attribute a WHERE a.attrelid = $1 AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum`,
        [t.relid],
      );
      for (const a of attrs.rows) await visit(a.oid);
      types.push({ kind: 'composite', schema: t.schema, name: t.name, attributes: attrs.rows.map((a) => ({ name: a.name, type: a.sql })) });
    } else if (t.typtype === 'r') {
      const sub = await client.query<{ oid: number }>(`SELECT rngsubtype::int AS oid FROM pg_range WHERE rngtypid = $1`, [oid]);
      const subtype = sub.rows[0]!.oid;
      await visit(subtype);
      types.push({ kind: 'range', schema: t.schema, name: t.name, subtype: await typeSql(client, subtype, -1) });
    }
  };
  for (const oid of oids) await visit(oid);
  return { types, extensions: [...extensions].sort() };
}

async function enumLabels(client: pg.ClientBase | pg.Pool, oid: number): Promise<string[]> {
  const r = await client.query<{ label: string }>(`SELECT enumlabel AS label FROM pg_enum WHERE enumtypid = $1 ORDER BY enumsortorder`, [oid]);
  return r.rows.map((x) => x.label);
}

const literal = (s: string) => `'${s.replace(/'/g, "''")}'`;

/** Idempotent DDL for one type (an existing type of that name is kept). */
export function createTypeStatements(t: UserType): string[] {
  const name = `${quoteIdent(t.schema)}.${quoteIdent(t.name)}`;
  let create: string;
  switch (t.kind) {
    case 'enum':
      create = `CREATE TYPE ${name} AS ENUM (${t.labels.map(literal).join(', ')})`;
      break;
    case 'domain':
      create =
        `CREATE DOMAIN ${name} AS ${t.base}` +
        (t.defaultExpr ? ` DEFAULT ${t.defaultExpr}` : '') +
        (t.notNull ? ' NOT NULL' : '') +
        t.checks.map((c) => ` CONSTRAINT ${quoteIdent(c.name)} ${c.definition}`).join('');
      break;
    case 'composite':
      create = `CREATE TYPE ${name} AS (${t.attributes.map((a) => `${quoteIdent(a.name)} ${a.type}`).join(', ')})`;
      break;
    case 'range':
      create = `CREATE TYPE ${name} AS RANGE (SUBTYPE = ${t.subtype})`;
      break;
  }
  return [
    `CREATE SCHEMA IF NOT EXISTS ${quoteIdent(t.schema)}`,
    `DO $strangler$ BEGIN ${create}; EXCEPTION WHEN duplicate_object THEN NULL; END $strangler$`,
  ];
}
