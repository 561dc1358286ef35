/**
 * What the names listed in `contexts.<domain>.tables` are in a live database: a table, a partitioned table, a
 * partition, a view, a materialized view, a foreign table... or nothing. sync, verify-parity and
 * `config validate --check-connections` refuse the same names with the same one-line message (exit 2).
 */
import type pg from 'pg';
import { ConfigError } from '../errors.ts';

export type RelationKind = 'table' | 'partitioned table' | 'view' | 'materialized view' | 'foreign table' | 'sequence' | 'other' | 'missing';

export interface RelationInfo {
  /** As configured. */
  name: string;
  schema: string;
  table: string;
  kind: RelationKind;
  unlogged: boolean;
  /** A partition: its root table (`schema.table`). */
  partitionOf?: string;
  /** A view or materialized view: the tables and views it reads (`schema.table`). */
  reads: string[];
}

/** `table`, `schema.table`, `"Mixed Case"."Tbl"` -> its schema and name (quotes removed, case kept). */
export function parseTableName(name: string, defaultSchema = 'public'): { schema: string; table: string } {
  const parts: string[] = [];
  const re = /\s*(?:"((?:[^"]|"")*)"|([^."]+))\s*(\.|$)/y;
  let m: RegExpExecArray | null;
  while (re.lastIndex < name.length && (m = re.exec(name))) {
    parts.push(m[1] !== undefined ? m[1].replace(/""/g, '"') : m[2]!.trim());
    if (m[3] === '') break;
  }
  if (parts.length === 2) return { schema: parts[0]!, table: parts[1]! };
  if (parts.length === 1) return { schema: defaultSchema, table: parts[0]! };
  const dot = name.indexOf('.');
  return dot > 0 ? { schema: name.slice(0, dot), table: name.slice(dot + 1) } : { schema: defaultSchema, table: name };
}

const KINDS: Record<string, RelationKind> = { r: 'table', p: 'partitioned table', v: 'view', m: 'materialized view', f: 'foreign table', S: 'sequence' };

export async function describeRelations(client: pg.ClientBase | pg.Pool, names: string[], defaultSchema = 'public'): Promise<RelationInfo[]> {
  const parsed = names.map((n) => ({ name: n, ...parseTableName(n, defaultSchema) }));
  const r = await client.query<{ i: number; relkind: string | null; persistence: string | null; parent: string | null; reads: string[] | null }>(
    `SELECT x.i, c.relkind::text AS relkind, c.relpersistence::text AS persistence,
            (SELECT pn.nspname || '.' || pc.relname FROM pg_inherits inh JOIN pg_class pc ON pc.oid = inh.inhparent
               JOIN pg_namespace pn ON pn.oid = pc.relnamespace WHERE c.relispartition AND inh.inhrelid = c.oid) AS parent,
            (SELECT array_agg(DISTINCT tn.nspname || '.' || t.relname ORDER BY tn.nspname || '.' || t.relname)
               FROM pg_rewrite rw JOIN pg_depend d ON d.classid = 'pg_rewrite'::regclass AND d.objid = rw.oid AND d.refclassid = 'pg_class'::regclass
               JOIN pg_class t ON t.oid = d.refobjid AND t.oid <> c.oid JOIN pg_namespace tn ON tn.oid = t.relnamespace
               WHERE rw.ev_class = c.oid AND t.relkind IN ('r', 'p', 'v', 'm')) AS reads
     FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS x(schema, rel, i)
     LEFT JOIN pg_namespace n ON n.nspname = x.schema
     LEFT JOIN pg_class c ON c.relnamespace = n.oid AND c.relname = x.rel
     ORDER BY x.i`,
    [parsed.map((p) => p.schema), parsed.map((p) => p.table)],
  );
  return parsed.map((p, i) => {
    const row = r.rows.find((x) => Number(x.i) === i + 1);
    const kind = row?.relkind ? (KINDS[row.relkind] ?? 'other') : 'missing';
    return { ...p, kind, unlogged: row?.persistence === 'u', reads: row?.reads ?? [], ...(row?.parent ? { partitionOf: row.parent } : {}) };
  });
}

/**
 * The config error for a name that is not a table that sync and parity can work with, or undefined.
 * `where` is the config path that lists it (`contexts.catalog.tables`), `database` names the side.
 */
export function relationConfigError(info: RelationInfo, where: string, database = 'the monolith database'): ConfigError | undefined {
  const name = `${info.schema}.${info.table}`;
  const reads = info.reads.length ? `list the tables it reads instead (${info.reads.join(', ')})` : 'list the tables it reads instead';
  switch (info.kind) {
    case 'table':
    case 'partitioned table':
      return undefined;
    case 'missing':
      return new ConfigError(
        `${where} names ${name}, which does not exist in ${database}`,
        `fix ${where}${where.startsWith('--') ? '' : ' in strangler.yaml'} (a table name, or schema.table)`,
      );
    case 'view':
      return new ConfigError(`${where} names ${name}, which is a view in ${database}: a view holds no rows of its own, so there is nothing to replicate or compare`, `${reads} in ${where}`);
    case 'materialized view':
      return new ConfigError(
        `${where} names ${name}, which is a materialized view in ${database}: logical replication does not publish materialized views`,
        `${reads} in ${where}, and refresh the view in the service`,
      );
    case 'foreign table':
      return new ConfigError(`${where} names ${name}, which is a foreign table in ${database}: its rows live in another server and are not replicated`, `sync the table on the server that holds it, and remove it from ${where}`);
    default:
      return new ConfigError(`${where} names ${name}, which is a ${info.kind} in ${database}, not a table`, `fix ${where} in strangler.yaml`);
  }
}
