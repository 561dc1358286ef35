/**
 * With a schema at hand, a name the code seems to use as a table but that is neither a table of the schema nor one
 * the code itself declares (an entity, a model, a migration's createTable) is not taken for a table: it becomes a
 * warning with the first place it was seen. Pure.
 */
import type { CodeModel, RouteTable } from '../types.ts';

/** PostgreSQL's own catalogs: read by tooling code, never a table of the application; left out without a word. */
const SYSTEM_CATALOG = /^(information_schema|pg_catalog)\.|^pg_/i;

/** `public.Orders` and `orders` are one name. */
function bare(name: string): string {
  const dot = name.lastIndexOf('.');
  return (dot >= 0 ? name.slice(dot + 1) : name).replace(/"/g, '').toLowerCase();
}

export function keepKnownTables(model: CodeModel, schemaTables: Iterable<string>): CodeModel {
  const known = new Set<string>();
  for (const t of schemaTables) known.add(bare(t));
  for (const t of model.tables ?? []) known.add(bare(t.table));
  const isKnown = (table: string) => known.has(bare(table));
  const warned = new Set<string>();
  const warnings = [...model.warnings];
  for (const a of model.tableAccess) {
    if (isKnown(a.table) || warned.has(a.table) || SYSTEM_CATALOG.test(a.table)) continue;
    warned.add(a.table);
    warnings.push(`${a.at.file}:${a.at.line}: '${a.table}' (${a.via}) is not a table of the schema nor one the code declares; left out`);
  }
  if (warned.size === 0 && model.tableAccess.every((a) => isKnown(a.table))) return model;
  const keep = (ts: RouteTable[] | undefined) => ts?.filter((t) => isKnown(t.table));
  return {
    ...model,
    tableAccess: model.tableAccess.filter((a) => isKnown(a.table)),
    routes: model.routes.map((r) => (r.tables ? { ...r, tables: keep(r.tables) } : r)),
    functions: model.functions?.map((f) => ({ ...f, tables: keep(f.tables) ?? [] })),
    warnings,
  };
}
