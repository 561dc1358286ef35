/**
 * Target tables for a context: created from the source definitions when absent, checked for compatibility
 * when present; and the per-table metadata the applier needs (casts, key).
 */
import type pg from 'pg';
import { quoteIdent } from '../adapters/postgres.ts';
import { ConfigError, EnvironmentError } from '../errors.ts';
import type { TargetTable } from './apply-changes.ts';
import {
  compareDefinitions,
  isPortableDefault,
  createTableStatements,
  qualified,
  readTableDefinition,
  splitTableName,
  type Incompatibility,
  type TableDefinition,
} from './table-definition.ts';
import { readTypeNeeds } from './type-definitions.ts';

export class IncompatibleTargetError extends EnvironmentError {
  constructor(readonly problems: Incompatibility[]) {
    super(
      `the service database tables do not match the monolith's: ${problems.map((p) => `${p.table}: ${p.problem}`).join('; ')}`,
      'migrate the service schema to match (or drop the tables and let sync create them), then start again',
    );
  }
}

export interface PreparedTables {
  definitions: TableDefinition[];
  targets: Map<string, TargetTable>;
  created: string[];
  existing: string[];
  /** Tables sync created: what of the monolith's table it did not carry over (foreign keys, checks, triggers...). */
  leftOut: { table: string; items: string[] }[];
}

export async function prepareTargetTables(source: pg.ClientBase, target: pg.ClientBase, tables: string[], targetSchema: string, context = '<domain>'): Promise<PreparedTables> {
  const definitions: TableDefinition[] = [];
  const created: string[] = [];
  const existing: string[] = [];
  const leftOut: PreparedTables['leftOut'] = [];
  const problems: Incompatibility[] = [];
  for (const name of tables) {
    const { schema, table } = splitTableName(name);
    const def = await readTableDefinition(source, schema, table);
    if (!def) throw new ConfigError(`contexts.${context}.tables names ${schema}.${table}, which does not exist in the monolith database`, `fix contexts.${context}.tables in strangler.yaml`);
    const clash = definitions.find((d) => d.table === def.table);
    if (clash) {
      throw new ConfigError(
        `contexts.${context}.tables lists ${clash.schema}.${clash.table} and ${schema}.${table}: both would be ${targetSchema}.${table} in the service`,
        `keep one of them in contexts.${context}.tables, or sync the other in a context of its own`,
      );
    }
    definitions.push(def);
  }
  const needs = await readTypeNeeds(source, definitions.flatMap((d) => d.columns.map((c) => c.typeOid)));
  await requireExtensions(target, needs.extensions, definitions);
  for (const def of definitions) {
    const current = await readTableDefinition(target, targetSchema, def.table);
    if (!current) {
      await target.query('BEGIN');
      try {
        for (const sql of createTableStatements(def, targetSchema, needs.types)) await target.query(sql);
        await target.query('COMMIT');
      } catch (e) {
        await target.query('ROLLBACK').catch(() => {});
        throw e;
      }
      created.push(`${targetSchema}.${def.table}`);
      const items = await notCarriedOver(source, def);
      if (items.length) leftOut.push({ table: `${targetSchema}.${def.table}`, items });
    } else {
      existing.push(`${targetSchema}.${def.table}`);
      problems.push(...compareDefinitions(def, current));
    }
  }
  if (problems.length) throw new IncompatibleTargetError(problems);
  const targets = new Map<string, TargetTable>();
  for (const def of definitions) targets.set(`${def.schema}.${def.table}`, await targetTable(target, def, targetSchema));
  return { definitions, targets, created, existing, leftOut };
}

/** The service database must have the extensions whose types the columns use: names the CREATE EXTENSION to run. */
async function requireExtensions(target: pg.ClientBase, extensions: string[], definitions: TableDefinition[]): Promise<void> {
  if (extensions.length === 0) return;
  const r = await target.query<{ extname: string }>(`SELECT extname FROM pg_extension WHERE extname = ANY($1)`, [extensions]);
  const missing = extensions.filter((e) => !r.rows.some((x) => x.extname === e));
  if (missing.length === 0) return;
  const avail = await target.query<{ name: string }>(`SELECT name FROM pg_available_extensions WHERE name = ANY($1)`, [missing]);
  const uses = definitions.flatMap((d) => d.columns.filter((c) => missing.some((m) => c.type.includes(m) || c.ddlType.includes(m))).map((c) => `${d.schema}.${d.table}.${c.name} (${c.type})`));
  const unavailable = missing.filter((m) => !avail.rows.some((a) => a.name === m));
  throw new EnvironmentError(
    `the service database lacks the extension(s) ${missing.join(', ')} that column type(s) need${uses.length ? `: ${uses.slice(0, 5).join(', ')}` : ''}`,
    `run ${missing.map((m) => `CREATE EXTENSION IF NOT EXISTS ${/^[a-z_][a-z0-9_]*$/.test(m) ? m : quoteIdent(m)};`).join(' ')} in the service database` +
      (unavailable.length ? ` (${unavailable.join(', ')} must first be installed on that server: it is not in pg_available_extensions)` : '') +
      ', then start again',
  );
}

/** What a table created by sync lacks compared with the monolith's: constraints and triggers across or inside the context. */
async function notCarriedOver(source: pg.ClientBase, def: TableDefinition): Promise<string[]> {
  const rel = qualified(def.schema, def.table);
  const kinds: Record<string, string> = { f: 'foreign key', c: 'check', x: 'exclusion constraint', t: 'constraint trigger' };
  const cons = await source.query<{ name: string; type: string; def: string }>(
    `SELECT conname AS name, contype::text AS type, pg_get_constraintdef(oid) AS def FROM pg_constraint
     WHERE conrelid = $1::regclass AND contype IN ('f', 'c', 'x', 't') ORDER BY contype, conname`,
    [rel],
  );
  const trg = await source.query<{ name: string }>(`SELECT tgname AS name FROM pg_trigger WHERE tgrelid = $1::regclass AND NOT tgisinternal ORDER BY tgname`, [rel]);
  const items = cons.rows.map((c) => `${kinds[c.type]} ${c.name} ${c.def}`);
  items.push(...trg.rows.map((t) => `trigger ${t.name}`));
  for (const c of def.columns) {
    if (c.defaultExpr && !/^nextval\(/i.test(c.defaultExpr) && !isPortableDefault(c.defaultExpr)) items.push(`default of ${c.name} (${c.defaultExpr})`);
  }
  if (def.kind === 'p') items.push('partitioning (created as one plain table holding every partition\'s rows)');
  return items;
}

export async function targetTable(target: pg.ClientBase, def: TableDefinition, targetSchema: string): Promise<TargetTable> {
  const current = await readTableDefinition(target, targetSchema, def.table);
  if (!current) throw new EnvironmentError(`table ${targetSchema}.${def.table} vanished from the service database`, 'start sync again to recreate it');
  return {
    source: `${def.schema}.${def.table}`,
    target: qualified(targetSchema, def.table),
    // generated columns are computed by the service: never written
    types: new Map(current.columns.filter((c) => !c.generated).map((c) => [c.name, c.type])),
    key: current.primaryKey.length ? current.primaryKey : (current.identityIndex?.columns ?? []),
  };
}
