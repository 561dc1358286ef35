/** Tables, primary keys, foreign keys and views from a `pg_dump --schema-only` file, parsed with libpg-query. */
import { readFile } from 'node:fs/promises';
import { parseSync } from 'libpg-query';
import { UsageError } from '../../errors.ts';
import { initSqlParser, tableAccessOfTree } from '../sql/extract-tables.ts';
import type { ForeignKey, SchemaModel, SchemaTable } from '../types.ts';

type Node = Record<string, any>;

const nameOf = (rv: Node) => {
  const rel = String(rv.relname).toLowerCase();
  const schema = rv.schemaname ? String(rv.schemaname).toLowerCase() : 'public';
  return schema === 'public' ? rel : `${schema}.${rel}`;
};
const strings = (list: Node[] | undefined) => (list ?? []).map((n) => String(n.String?.sval ?? ''));

export function parseSchemaDump(sql: string, file = 'schema'): SchemaModel {
  let tree: { stmts?: { stmt: Node }[] };
  try {
    tree = parseSync(sql) as unknown as { stmts?: { stmt: Node }[] };
  } catch (e) {
    throw new UsageError(`${file}: not a SQL schema the PostgreSQL parser accepts (${(e as Error).message})`, 'pass the output of pg_dump --schema-only');
  }
  const tables = new Map<string, SchemaTable>();
  const foreignKeys: ForeignKey[] = [];
  const views = new Map<string, string[]>();
  const constraint = (table: string, c: Node, column?: string) => {
    if (c.contype === 'CONSTR_PRIMARY') {
      const t = tables.get(table);
      if (t) t.primaryKey = column ? [column] : strings(c.keys);
    }
    if (c.contype === 'CONSTR_FOREIGN') {
      foreignKeys.push({
        name: c.conname ?? `${table}_${column ?? strings(c.fk_attrs).join('_')}_fkey`,
        from: table,
        fromColumns: column ? [column] : strings(c.fk_attrs),
        to: nameOf(c.pktable),
        toColumns: strings(c.pk_attrs),
        ...(c.fk_del_action === 'c' ? { cascade: true } : {}),
      });
    }
  };
  for (const { stmt } of tree.stmts ?? []) {
    if (stmt.CreateStmt) {
      const name = nameOf(stmt.CreateStmt.relation);
      tables.set(name, { name, columns: [], primaryKey: [] });
      for (const el of stmt.CreateStmt.tableElts ?? []) {
        if (el.ColumnDef) {
          const col = el.ColumnDef;
          const type = strings(col.typeName?.names).filter((n) => n !== 'pg_catalog').join('.');
          const constraints: Node[] = (col.constraints ?? []).map((c: Node) => c.Constraint);
          tables.get(name)!.columns.push({ name: col.colname, type, nullable: !constraints.some((c) => c.contype === 'CONSTR_NOTNULL' || c.contype === 'CONSTR_PRIMARY') });
          for (const c of constraints) constraint(name, c, col.colname);
        } else if (el.Constraint) constraint(name, el.Constraint);
      }
    } else if (stmt.AlterTableStmt) {
      const name = nameOf(stmt.AlterTableStmt.relation);
      for (const cmd of stmt.AlterTableStmt.cmds ?? []) {
        const def = cmd.AlterTableCmd?.def?.Constraint;
        if (cmd.AlterTableCmd?.subtype === 'AT_AddConstraint' && def) constraint(name, def);
      }
    } else if (stmt.ViewStmt) {
      views.set(nameOf(stmt.ViewStmt.view), tableAccessOfTree(stmt.ViewStmt.query).tables);
    }
  }
  return { tables: [...tables.values()].sort((a, b) => a.name.localeCompare(b.name)), foreignKeys: foreignKeys.sort((a, b) => a.name.localeCompare(b.name)), views: [...views].map(([name, reads]) => ({ name, reads })).sort((a, b) => a.name.localeCompare(b.name)) };
}

export async function readSchemaDump(file: string): Promise<SchemaModel> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new UsageError(`${file}: cannot read the schema file (${(e as NodeJS.ErrnoException).code ?? e})`, 'pass a pg_dump --schema-only file to --schema');
  }
  await initSqlParser();
  return parseSchemaDump(text, file);
}
