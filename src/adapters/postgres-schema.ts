/**
 * The schema of a live PostgreSQL database, as `strangler analyze --database` needs it: tables with their columns
 * and primary keys, foreign keys (with ON DELETE CASCADE) and the tables each view reads. Names follow the
 * analyzers' convention: `table` in public, `schema.table` elsewhere.
 */
import type { ForeignKey, SchemaModel, SchemaTable } from '../analyzers/types.ts';
import { connect } from './postgres.ts';

/** Schemas that are PostgreSQL's own or strangler's bookkeeping, never part of the monolith's model. */
const SKIPPED_SCHEMAS = ['pg_catalog', 'information_schema', 'pg_toast', 'strangler_sync'];
/** Migration tools' bookkeeping tables. */
const TOOL_TABLES = /^(knex_migrations(_lock)?|schema_migrations|flyway_schema_history|_prisma_migrations|SequelizeMeta|typeorm_metadata|ar_internal_metadata)$/;

const qualified = (schema: string, name: string) => (schema === 'public' ? name : `${schema}.${name}`);

export async function readLiveSchema(url: string): Promise<SchemaModel> {
  const client = await connect(url, { role: 'monolith' });
  try {
    const skip = [SKIPPED_SCHEMAS];
    const columns = await client.query<{ schema: string; table: string; column: string; type: string; nullable: boolean }>(
      `SELECT n.nspname AS schema, c.relname AS table, a.attname AS column,
              CASE WHEN t.typcategory = 'A' THEN et.typname ELSE t.typname END AS type, NOT a.attnotnull AS nullable
       FROM pg_class c
       JOIN pg_namespace n ON n.oid = c.relnamespace
       JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
       JOIN pg_type t ON t.oid = a.atttypid
       LEFT JOIN pg_type et ON et.oid = t.typelem
       WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition AND n.nspname <> ALL ($1) AND n.nspname NOT LIKE 'pg_temp%'
       ORDER BY n.nspname, c.relname, a.attnum`,
      skip,
    );
    const tables = new Map<string, SchemaTable>();
    for (const r of columns.rows) {
      if (TOOL_TABLES.test(r.table)) continue;
      const name = qualified(r.schema, r.table);
      const table = tables.get(name) ?? { name, columns: [], primaryKey: [] };
      table.columns.push({ name: r.column, type: r.type, nullable: r.nullable });
      tables.set(name, table);
    }
    const constraints = await client.query<{ name: string; type: string; schema: string; table: string; columns: string[]; ref_schema: string | null; ref_table: string | null; ref_columns: string[] | null; on_delete: string }>(
      `SELECT con.conname AS name, con.contype AS type, n.nspname AS schema, c.relname AS table,
              ARRAY(SELECT a.attname::text FROM unnest(con.conkey) WITH ORDINALITY k(attnum, i) JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.attnum ORDER BY k.i) AS columns,
              rn.nspname AS ref_schema, rc.relname AS ref_table,
              ARRAY(SELECT a.attname::text FROM unnest(con.confkey) WITH ORDINALITY k(attnum, i) JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.attnum ORDER BY k.i) AS ref_columns,
              con.confdeltype AS on_delete
       FROM pg_constraint con
       JOIN pg_class c ON c.oid = con.conrelid
       JOIN pg_namespace n ON n.oid = c.relnamespace
       LEFT JOIN pg_class rc ON rc.oid = con.confrelid
       LEFT JOIN pg_namespace rn ON rn.oid = rc.relnamespace
       WHERE con.contype IN ('p', 'f') AND n.nspname <> ALL ($1) AND con.conparentid = 0
       ORDER BY con.conname`,
      skip,
    );
    const foreignKeys: ForeignKey[] = [];
    for (const r of constraints.rows) {
      const from = qualified(r.schema, r.table);
      if (!tables.has(from)) continue;
      if (r.type === 'p') tables.get(from)!.primaryKey = r.columns;
      else if (r.ref_table && r.ref_schema) {
        foreignKeys.push({
          name: r.name,
          from,
          fromColumns: r.columns,
          to: qualified(r.ref_schema, r.ref_table),
          toColumns: r.ref_columns ?? [],
          ...(r.on_delete === 'c' ? { cascade: true } : {}),
        });
      }
    }
    const viewReads = await client.query<{ schema: string; view: string; ref_schema: string; ref_table: string }>(
      `SELECT DISTINCT vn.nspname AS schema, v.relname AS view, tn.nspname AS ref_schema, t.relname AS ref_table
       FROM pg_rewrite r
       JOIN pg_class v ON v.oid = r.ev_class
       JOIN pg_namespace vn ON vn.oid = v.relnamespace
       JOIN pg_depend d ON d.classid = 'pg_rewrite'::regclass AND d.objid = r.oid AND d.refclassid = 'pg_class'::regclass
       JOIN pg_class t ON t.oid = d.refobjid AND t.oid <> v.oid
       JOIN pg_namespace tn ON tn.oid = t.relnamespace
       WHERE v.relkind IN ('v', 'm') AND t.relkind IN ('r', 'p', 'v', 'm') AND vn.nspname <> ALL ($1)
       ORDER BY 1, 2, 3, 4`,
      skip,
    );
    const views = new Map<string, string[]>();
    for (const r of viewReads.rows) {
      const name = qualified(r.schema, r.view);
      views.set(name, [...(views.get(name) ?? []), qualified(r.ref_schema, r.ref_table)]);
    }
    return {
      tables: [...tables.values()].sort((a, b) => a.name.localeCompare(b.name)),
      foreignKeys: foreignKeys.sort((a, b) => a.name.localeCompare(b.name)),
      views: [...views].map(([name, reads]) => ({ name, reads: reads.sort() })).sort((a, b) => a.name.localeCompare(b.name)),
    };
  } finally {
    await client.end().catch(() => {});
  }
}
