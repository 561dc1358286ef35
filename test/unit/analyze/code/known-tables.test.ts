import { describe, expect, it } from 'vitest';
import { keepKnownTables } from '../../../../src/analyzers/code/known-tables.ts';
import type { CodeModel } from '../../../../src/analyzers/types.ts';

function model(): CodeModel {
  const at = (line: number) => ({ file: 'src/a.ts', line });
  return {
    root: '/x',
    tables: [{ table: 'audit_entries', entity: 'AuditEntry', via: 'typeorm', at: at(1) }],
    modules: [],
    imports: [],
    calls: [],
    tableAccess: [
      { module: 'src/a.ts', table: 'public.Orders', mode: 'read', count: 1, at: at(3), via: 'knex' },
      { module: 'src/a.ts', table: 'ma', mode: 'read', count: 2, at: at(7), via: 'raw-sql' },
      { module: 'src/a.ts', table: 'audit_entries', mode: 'write', count: 1, at: at(9), via: 'typeorm' },
      { module: 'src/a.ts', table: 'information_schema.columns', mode: 'read', count: 1, at: at(11), via: 'raw-sql' },
    ],
    routes: [{ route: 'GET /orders', module: 'src/a.ts', at: at(2), tables: [{ table: 'ma', writes: false, count: 1 }, { table: 'orders', writes: false, count: 1 }] }],
    functions: [{ key: 'src/a.ts#f', file: 'src/a.ts', name: 'f', line: 5, endLine: 8, calls: [], tables: [{ table: 'ma', writes: false, count: 2 }] }],
    warnings: [],
  };
}

describe('keepKnownTables', () => {
  it('drops a name that is neither in the schema nor declared by the code, with a warning at its first site', () => {
    const m = keepKnownTables(model(), ['orders', 'users']);
    expect(m.tableAccess.map((a) => a.table)).toEqual(['public.Orders', 'audit_entries']);
    expect(m.routes[0].tables?.map((t) => t.table)).toEqual(['orders']);
    expect(m.functions?.[0].tables).toEqual([]);
    expect(m.warnings).toEqual(["src/a.ts:7: 'ma' (raw-sql) is not a table of the schema nor one the code declares; left out"]);
  });

  it('leaves out PostgreSQL catalogs without a warning', () => {
    const m = keepKnownTables(model(), ['orders', 'ma']);
    expect(m.tableAccess.map((a) => a.table)).not.toContain('information_schema.columns');
    expect(m.warnings).toEqual([]);
  });

  it('keeps everything when every name is known', () => {
    const m = keepKnownTables(model(), ['orders', 'ma', 'information_schema.columns']);
    expect(m.tableAccess).toHaveLength(4);
    expect(m.warnings).toEqual([]);
  });
});
