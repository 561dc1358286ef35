import { describe, expect, it } from 'vitest';
import { proposePartition, findMasterTables } from '../../../src/analyzers/cluster/propose-partition.ts';
import { buildCouplingGraph, codeTableTies, DEFAULT_WEIGHTS, edgeWeight, nodeId } from '../../../src/analyzers/graph/coupling-graph.ts';
import type { CodeModel, SchemaModel } from '../../../src/analyzers/types.ts';

const at = { file: 'x.ts', line: 1 };
const code = (access: [string, string, 'read' | 'write'][]): CodeModel => ({
  root: '.',
  modules: [...new Set(access.map((a) => a[0]))].map((path) => ({ path, lines: 1 })),
  imports: [],
  calls: [],
  tableAccess: access.map(([module, table, mode]) => ({ module, table, mode, count: 1, at, via: 'knex' })),
  routes: [],
  warnings: [],
});
const fk = (from: string, to: string) => ({ name: `${from}_${to}_fkey`, from, fromColumns: ['x'], to, toColumns: ['id'] });
const schema = (tables: string[], fks: [string, string][]): SchemaModel => ({ tables: tables.map((name) => ({ name, columns: [], primaryKey: ['id'] })), foreignKeys: fks.map(([a, b]) => fk(a, b)), views: [] });

describe('evidence rules', () => {
  it('a module writing a table ties it far more than a module reading it', () => {
    const g = buildCouplingGraph({ code: code([['w.ts', 'orders', 'write'], ['r.ts', 'orders', 'read']]) });
    const weight = (m: string) => edgeWeight(g.edges.get(`${nodeId('module', m)}|${nodeId('table', 'orders')}`)!, DEFAULT_WEIGHTS);
    expect(weight('w.ts')).toBeGreaterThan(3 * weight('r.ts'));
  });

  it('merges accesses per module and table, a write winning over reads, and resolves views', () => {
    const c = code([['m.ts', 'orders', 'read'], ['m.ts', 'orders', 'write'], ['m.ts', 'order_view', 'read']]);
    const s: SchemaModel = { ...schema(['orders', 'order_items'], []), views: [{ name: 'order_view', reads: ['orders', 'order_items'] }] };
    expect(codeTableTies(c, s).map((t) => [t.table, t.count, t.writes])).toEqual([['order_items', 1, false], ['orders', 3, true]]);
  });

  it('finds master data by the share of tables referencing it, and places it with the tables it references', () => {
    const tables = ['products', 'categories', 'brands', 'cart_items', 'order_items', 'stock_levels', 'reviews', 'images', 'carts', 'orders'];
    const s = schema(tables, [['products', 'categories'], ['products', 'brands'], ['cart_items', 'products'], ['order_items', 'products'], ['stock_levels', 'products'], ['reviews', 'products'], ['images', 'products'], ['cart_items', 'carts'], ['order_items', 'orders'], ['brands', 'categories']]);
    const g = buildCouplingGraph({ schema: s });
    expect([...findMasterTables(g, 0.25)]).toEqual(['table:products']);
    const p = proposePartition(g, { weights: DEFAULT_WEIGHTS, resolution: 1, seed: 1 });
    expect(p.masters?.has('table:products')).toBe(true);
    expect(p.hubs.has('table:products')).toBe(false);
    expect(p.community.get('table:products')).toBe(p.community.get('table:categories'));
    expect(p.community.get('table:cart_items')).toBe(p.community.get('table:carts'));
    expect(p.community.get('table:order_items')).toBe(p.community.get('table:orders'));
  });
});
