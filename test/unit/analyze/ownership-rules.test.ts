import { describe, expect, it } from 'vitest';
import { findMasterTables, findSatellites, proposePartition, splitByOwnership } from '../../../src/analyzers/cluster/propose-partition.ts';
import { addEvidence, addNode, buildCouplingGraph, DEFAULT_WEIGHTS, emptyGraph } from '../../../src/analyzers/graph/coupling-graph.ts';
import { parseSchemaDump } from '../../../src/analyzers/schema/read-schema-dump.ts';
import { initSqlParser } from '../../../src/analyzers/sql/extract-tables.ts';
import type { SchemaModel } from '../../../src/analyzers/types.ts';

const options = { weights: DEFAULT_WEIGHTS, resolution: 1, seed: 1 };
const fk = (from: string, to: string, cascade = false) => ({ name: `${from}_${to}_fkey`, from, fromColumns: ['x'], to, toColumns: ['id'], ...(cascade ? { cascade } : {}) });
const schema = (tables: string[], fks: ReturnType<typeof fk>[]): SchemaModel => ({ tables: tables.map((name) => ({ name, columns: [], primaryKey: ['id'] })), foreignKeys: fks, views: [] });

describe('ownership rules', () => {
  it('reads ON DELETE CASCADE from a schema dump', async () => {
    await initSqlParser();
    const s = parseSchemaDump(`CREATE TABLE users (id int PRIMARY KEY); CREATE TABLE sessions (id int PRIMARY KEY, user_id int);
      CREATE TABLE orders (id int PRIMARY KEY, user_id int);
      ALTER TABLE ONLY sessions ADD CONSTRAINT sessions_user_id_fkey FOREIGN KEY (user_id) REFERENCES users(id) ON DELETE CASCADE;
      ALTER TABLE ONLY orders ADD CONSTRAINT orders_user_id_fkey FOREIGN KEY (user_id) REFERENCES users(id);`);
    expect(s.foreignKeys.map((f) => [f.name, f.cascade ?? false])).toEqual([['orders_user_id_fkey', false], ['sessions_user_id_fkey', true]]);
  });

  it('a weak entity of master data follows the master it cascades from, unless it is written with tables of its own', () => {
    const tables = ['users', 'products', 'sessions', 'reviews', 'carts', 'cart_items', 'orders', 'order_items', 'payments', 'stock'];
    const s = schema(tables, [
      fk('sessions', 'users', true),
      fk('reviews', 'users'),
      fk('reviews', 'products', true),
      fk('carts', 'users', true),
      fk('cart_items', 'carts', true),
      fk('cart_items', 'products'),
      fk('orders', 'users'),
      fk('order_items', 'orders', true),
      fk('order_items', 'products'),
      fk('payments', 'orders'),
      fk('stock', 'products'),
    ]);
    const g = buildCouplingGraph({ schema: s });
    // carts and cart_items are written in one transaction: carts is not a mere part of users.
    addEvidence(g, 'table:carts', 'table:cart_items', { kind: 'transaction', count: 10, writes: true, strength: 1 });
    addEvidence(g, 'table:orders', 'table:order_items', { kind: 'transaction', count: 10, writes: true, strength: 1 });
    const masters = findMasterTables(g, 0.25);
    expect([...masters].sort()).toEqual(['table:products', 'table:users']);
    const satellites = findSatellites(g, masters, new Set(), options);
    expect(Object.fromEntries(satellites)).toEqual({ 'table:reviews': 'table:products', 'table:sessions': 'table:users', 'table:stock': 'table:products' });
    const p = proposePartition(g, options);
    expect(p.community.get('table:sessions')).toBe(p.community.get('table:users'));
    expect(p.community.get('table:reviews')).toBe(p.community.get('table:products'));
    expect(p.community.get('table:carts')).not.toBe(p.community.get('table:users'));
  });

  it('splits a community where only reads tie a part to it, and keeps it whole where ownership does', () => {
    const g = emptyGraph();
    for (const t of ['orders', 'order_items', 'page_views']) addNode(g, 'table', t);
    addEvidence(g, 'table:orders', 'table:order_items', { kind: 'transaction', count: 5, writes: true, strength: 1 });
    addEvidence(g, 'table:orders', 'table:page_views', { kind: 'join', count: 50, strength: 0.9 });
    const community = new Map([['table:orders', 0], ['table:order_items', 0], ['table:page_views', 0]]);
    const split = splitByOwnership(g, community, new Set());
    expect(split.get('table:orders')).toBe(split.get('table:order_items'));
    expect(split.get('table:page_views')).not.toBe(split.get('table:orders'));
    // A foreign key to master data is no ownership tie; to another table it is.
    addEvidence(g, 'table:page_views', 'table:orders', { kind: 'foreignKey', count: 1, to: 'table:orders' });
    expect(splitByOwnership(g, community, new Set(), new Set(['table:orders'])).get('table:page_views')).not.toBe(0);
    expect(splitByOwnership(g, community, new Set()).get('table:page_views')).toBe(0);
  });

  it('a route or transaction reading a view is tied to the tables behind it', () => {
    const g = buildCouplingGraph({
      schema: { ...schema(['orders', 'order_items'], []), views: [{ name: 'order_summaries', reads: ['orders', 'order_items'] }] },
      traffic: {
        files: [], statements: 3, unparsed: { count: 0, examples: [] }, skippedLines: 0, warnings: [],
        shapes: [],
        transactions: [{ tables: ['order_summaries'], written: [], count: 3 }],
        requests: [{ route: 'GET /users/:id/orders', tables: ['order_summaries'], written: [], count: 3 }],
      },
    });
    const route = [...g.edges.values()].filter((e) => e.a === 'route:GET /users/:id/orders' || e.b === 'route:GET /users/:id/orders');
    expect(route.map((e) => (e.a.startsWith('route:') ? e.b : e.a)).sort()).toEqual(['table:order_items', 'table:orders']);
    expect(g.nodes.has('table:order_summaries')).toBe(false);
    expect(g.edges.get('table:order_items|table:orders')?.evidence.some((ev) => ev.kind === 'transaction')).toBe(true);
  });
});
