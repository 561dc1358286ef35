import { describe, expect, it } from 'vitest';
import { findHubs, proposePartition } from '../../../src/analyzers/cluster/propose-partition.ts';
import { buildCouplingGraph, DEFAULT_WEIGHTS, edgeWeight, groupingWeight, nodeId, routeTableTies } from '../../../src/analyzers/graph/coupling-graph.ts';
import type { CodeModel, CodeRoute, RouteTable, SchemaModel } from '../../../src/analyzers/types.ts';

const at = { file: 'routes.ts', line: 1 };
const route = (name: string, handlerModule: string, tables?: [string, 'read' | 'write', number][]): CodeRoute => ({
  route: name,
  module: 'routes.ts',
  handlerModule,
  at,
  ...(tables ? { handler: `${handlerModule}#h`, handlerAt: { file: handlerModule, line: 7 }, tables: tables.map(([table, mode, count]): RouteTable => ({ table, writes: mode === 'write', count })) } : {}),
});
const code = (access: [string, string][], routes: CodeRoute[]): CodeModel => ({
  root: '.',
  modules: [...new Set(access.map((a) => a[0]))].map((path) => ({ path, lines: 1 })),
  imports: [],
  calls: [],
  tableAccess: access.map(([module, table]) => ({ module, table, mode: 'write', count: 1, at, via: 'knex' })),
  routes,
  warnings: [],
});
const schema = (tables: string[], fks: [string, string][], views: SchemaModel['views'] = []): SchemaModel => ({
  tables: tables.map((name) => ({ name, columns: [], primaryKey: ['id'] })),
  foreignKeys: fks.map(([from, to]) => ({ name: `${from}_${to}_fkey`, from, fromColumns: ['x'], to, toColumns: ['id'] })),
  views,
});
const edge = (g: ReturnType<typeof buildCouplingGraph>, a: string, b: string) => g.edges.get([a, b].sort().join('|'));

describe("a route's handler chain as evidence", () => {
  it('ties a route to the tables its handler chain touches: writes 8x reads, views resolved, at the handler', () => {
    const s = schema(['orders', 'order_items'], [], [{ name: 'order_view', reads: ['orders', 'order_items'] }]);
    const r = route('POST /orders', 'orders.ts', [['orders', 'write', 1], ['order_view', 'read', 2], ['pg_class', 'read', 1]]);
    expect(routeTableTies(r, s)).toEqual([
      { table: 'order_items', count: 2, writes: false, where: 'orders.ts:7' },
      { table: 'orders', count: 3, writes: true, where: 'orders.ts:7' },
    ]);
    const g = buildCouplingGraph({ code: code([['orders.ts', 'orders']], [r, route('GET /untraced', 'orders.ts')]), schema: s });
    const r1 = nodeId('route', 'POST /orders');
    expect(edge(g, r1, nodeId('table', 'orders'))!.evidence).toEqual([{ kind: 'handlerAccess', count: 6, where: 'orders.ts:7', writes: true }]);
    expect(edge(g, r1, nodeId('table', 'order_items'))!.evidence).toEqual([{ kind: 'handlerAccess', count: 0.5, where: 'orders.ts:7', writes: false }]);
    expect(g.nodes.has(nodeId('table', 'pg_class'))).toBe(false);
    // The route keeps its tie to the handler's module; a route whose handler was not traced has only that one.
    expect(edge(g, r1, nodeId('module', 'orders.ts'))!.evidence.map((e) => e.kind)).toEqual(['call']);
    const untraced = [...g.edges.values()].filter((e) => e.a === nodeId('route', 'GET /untraced') || e.b === nodeId('route', 'GET /untraced'));
    expect(untraced.map((e) => e.evidence.map((x) => x.kind).join())).toEqual(['call']);
  });

  it('places a route with the tables its handler chain writes, not with its handler module; reads alone do not move it', () => {
    const c = code(
      [['a.ts', 'a1'], ['a.ts', 'a2'], ['b.ts', 'b1'], ['b.ts', 'b2']],
      [
        route('POST /a', 'a.ts', [['a1', 'write', 1]]),
        route('POST /b', 'b.ts', [['b1', 'write', 1]]),
        route('POST /a/rebuild-b', 'a.ts', [['b1', 'write', 3], ['b2', 'write', 2], ['a1', 'read', 1]]),
        route('GET /a/peek-b', 'a.ts', [['b1', 'read', 1], ['b2', 'read', 1]]),
      ],
    );
    const g = buildCouplingGraph({ code: c, schema: schema(['a1', 'a2', 'b1', 'b2'], [['a2', 'a1'], ['b2', 'b1']]) });
    const p = proposePartition(g, { weights: DEFAULT_WEIGHTS, resolution: 1, seed: 1 });
    const ctx = (kind: 'table' | 'route' | 'module', name: string) => p.community.get(nodeId(kind, name));
    expect(ctx('table', 'a1')).toBe(ctx('table', 'a2'));
    expect(ctx('table', 'b1')).toBe(ctx('table', 'b2'));
    expect(ctx('table', 'a1')).not.toBe(ctx('table', 'b1'));
    expect(ctx('module', 'a.ts')).toBe(ctx('table', 'a1'));
    expect(ctx('route', 'POST /a/rebuild-b')).toBe(ctx('table', 'b1'));
    expect(ctx('route', 'GET /a/peek-b')).toBe(ctx('table', 'a1'));
    expect(ctx('route', 'POST /a')).toBe(ctx('table', 'a1'));
  });

  it('does not group tables or make hubs: a route writing two contexts leaves them apart, however strong', () => {
    const routes = [route('POST /both', 'a.ts', [['a1', 'write', 50], ['b1', 'write', 50]])];
    // Every route reads `settings` through its handler chain: still not a hub.
    for (let i = 0; i < 10; i++) routes.push(route(`GET /r${i}`, i % 2 ? 'a.ts' : 'b.ts', [['settings', 'read', 1]]));
    const c = code([['a.ts', 'a1'], ['a.ts', 'a2'], ['b.ts', 'b1'], ['b.ts', 'b2']], routes);
    // b1 references a1: the two groups have an ownership tie between them, so only Louvain keeps them apart.
    const g = buildCouplingGraph({ code: c, schema: schema(['a1', 'a2', 'b1', 'b2', 'settings'], [['a2', 'a1'], ['b2', 'b1'], ['b1', 'a1']]) });
    const weights = { ...DEFAULT_WEIGHTS, handlerAccess: 20 };
    const both = edge(g, nodeId('route', 'POST /both'), nodeId('table', 'a1'))!;
    expect(edgeWeight(both, weights)).toBeGreaterThan(100);
    expect(groupingWeight(both, weights)).toBe(0);
    expect(findHubs(g, 0.35).has(nodeId('table', 'settings'))).toBe(false);
    const p = proposePartition(g, { weights, resolution: 1, seed: 1 });
    expect(p.community.get(nodeId('table', 'a1'))).not.toBe(p.community.get(nodeId('table', 'b1')));
    expect(p.community.get(nodeId('table', 'a1'))).toBe(p.community.get(nodeId('table', 'a2')));
    expect(p.community.get(nodeId('table', 'b1'))).toBe(p.community.get(nodeId('table', 'b2')));
  });
});
