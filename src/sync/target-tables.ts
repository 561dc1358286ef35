/**
 * Target tables for a context: created from the source definitions when absent, checked for compatibility
 * when present; and the per-table metadata the applier needs (casts, key).
 */
import type pg from 'pg';
import { EnvironmentError } from '../errors.ts';
import type { TargetTable } from './apply-changes.ts';
import {
  compareDefinitions,
  createTableStatements,
  qualified,
  readTableDefinition,
  splitTableName,
  type Incompatibility,
  type TableDefinition,
} from './table-definition.ts';

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
}

export async function prepareTargetTables(source: pg.ClientBase, target: pg.ClientBase, tables: string[], targetSchema: string): Promise<PreparedTables> {
  const definitions: TableDefinition[] = [];
  const created: string[] = [];
  const existing: string[] = [];
  const problems: Incompatibility[] = [];
  for (const name of tables) {
    const { schema, table } = splitTableName(name);
    const def = await readTableDefinition(source, schema, table);
    if (!def) throw new EnvironmentError(`table ${schema}.${table} does not exist in the monolith database`, 'fix contexts.<domain>.tables in strangler.yaml');
    definitions.push(def);
    const current = await readTableDefinition(target, targetSchema, table);
    if (!current) {
      await target.query('BEGIN');
      try {
        for (const sql of createTableStatements(def, targetSchema)) await target.query(sql);
        await target.query('COMMIT');
      } catch (e) {
        await target.query('ROLLBACK').catch(() => {});
        throw e;
      }
      created.push(`${targetSchema}.${table}`);
    } else {
      existing.push(`${targetSchema}.${table}`);
      problems.push(...compareDefinitions(def, current));
    }
  }
  if (problems.length) throw new IncompatibleTargetError(problems);
  const targets = new Map<string, TargetTable>();
  for (const def of definitions) targets.set(`${def.schema}.${def.table}`, await targetTable(target, def, targetSchema));
  return { definitions, targets, created, existing };
}

export async function targetTable(target: pg.ClientBase, def: TableDefinition, targetSchema: string): Promise<TargetTable> {
  const current = await readTableDefinition(target, targetSchema, def.table);
  if (!current) throw new EnvironmentError(`table ${targetSchema}.${def.table} vanished from the service database`, 'start sync again to recreate it');
  return {
    source: `${def.schema}.${def.table}`,
    target: qualified(targetSchema, def.table),
    types: new Map(current.columns.map((c) => [c.name, c.type])),
    key: current.primaryKey,
  };
}
