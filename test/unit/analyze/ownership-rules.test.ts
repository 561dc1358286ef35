import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { SAMPLE_ROOT } from '../../../src/commands/analyze.ts';
import { summarizeTraffic } from '../../../src/analyzers/logs/summarize-traffic.ts';
import { adoptOrphans, derivedTables, findMasterTables, findSatellites, isOwnershipTie, proposePartition, splitByOwnership } from '../../../src/analyzers/cluster/propose-partition.ts';
import { addEvidence, addNode, buildCouplingGraph, DEFAULT_WEIGHTS, emptyGraph } from '../../../src/analyzers/graph/coupling-graph.ts';
import { parseSchemaDump, readSchemaDump } from '../../../src/analyzers/schema/read-schema-dump.ts';
import { initSqlParser } from '../../../src/analyzers/sql/extract-tables.ts';
import type { SchemaModel, StatementShape, TrafficSummary } from '../../../src/analyzers/types.ts';

const options = { weights: DEFAULT_WEIGHTS, resolution: 1, seed: 1 };
const fk = (from: string, to: string, cascade = false) => ({ name: `${from}_${to}_fkey`, from, fromColumns: ['x'], to, toColumns: ['id'], ...(cascade ? { cascade } : {}) });
const schema = (tables: string[], fks: ReturnType<typeof fk>[]): SchemaModel => ({ tables: tables.map((name) => ({ name, columns: [], primaryKey: ['id'] })), foreignKeys: fks, views: [] });

const shape = (read: string[], written: string[], count: number): StatementShape => ({
  fingerprint: `${read.join(',')}>${written.join(',')}`,
  example: '',
  access: { read, written, tables: [...new Set([...read, ...written])].sort() },
  count,
  routes: {},
  modules: {},
  firstSeen: { file: 'x.csv', line: 1 },
});
const traffic = (shapes: StatementShape[], transactions: TrafficSummary['transactions'] = [], requests: TrafficSummary['requests'] = []): TrafficSummary => ({
  files: [], statements: shapes.reduce((n, x) => n + x.count, 0), unparsed: { count: 0, examples: [] }, skippedLines: 0, warnings: [], shapes, transactions, requests,
});

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

  it('tells a table written from other tables (a rollup) from a table written plainly, and which way the rows flow', () => {
    const g = buildCouplingGraph({
      traffic: traffic([
        shape(['orders', 'order_items'], ['daily_sales'], 4), // INSERT INTO daily_sales SELECT ... FROM orders JOIN order_items
        shape([], ['orders'], 20), // INSERT INTO orders VALUES (...)
        shape(['orders'], ['orders'], 5), // UPDATE orders SET ... WHERE id = $1
      ]),
    });
    expect(derivedTables(g)).toEqual(new Set(['table:daily_sales']));
    const flow = g.edges.get('table:daily_sales|table:orders')!.evidence.find((ev) => ev.kind === 'join')!;
    expect(flow.flowsTo).toBe('table:daily_sales');
    // Two tables read together in the statement: no flow between them.
    expect(g.edges.get('table:order_items|table:orders')!.evidence.find((ev) => ev.kind === 'join')!.flowsTo).toBeUndefined();
  });

  it("a rollup's foreign key is no ownership tie; another table's is", () => {
    const g = buildCouplingGraph({ schema: schema(['daily_sales', 'categories', 'products'], [fk('daily_sales', 'categories'), fk('products', 'categories')]) });
    const edge = (a: string, b: string) => g.edges.get(`table:${a}|table:${b}`)!;
    expect(isOwnershipTie(edge('categories', 'daily_sales'), new Set(), new Set(['table:daily_sales']))).toBe(false);
    expect(isOwnershipTie(edge('categories', 'daily_sales'))).toBe(true);
    expect(isOwnershipTie(edge('categories', 'products'), new Set(), new Set(['table:daily_sales']))).toBe(true);
  });

  it('a table keyed only to master data is no weak entity of it when its rows feed another table or a table referencing it is written where it is used', () => {
    const tables = ['users', 'products', 'events', 'recommendations', 'methods', 'payments', 'addresses', 'orders', 'a', 'b'];
    const s = schema(tables, [
      fk('events', 'users'), fk('events', 'products'),
      fk('recommendations', 'users', true), fk('recommendations', 'products', true),
      fk('methods', 'users', true), fk('payments', 'methods'), fk('payments', 'orders'),
      fk('addresses', 'users', true), fk('orders', 'addresses'), fk('orders', 'users'),
      fk('a', 'users'), fk('b', 'products'),
    ]);
    const g = buildCouplingGraph({
      schema: s,
      traffic: traffic(
        [shape(['events'], ['recommendations'], 1), shape([], ['events'], 100), shape([], ['addresses'], 10)],
        // payments are written in the transactions that read the payment method; orders never read addresses in one.
        [{ tables: ['methods', 'payments'], written: ['payments'], count: 10 }, { tables: ['orders'], written: ['orders'], count: 10 }],
      ),
    });
    const masters = findMasterTables(g, 0.25);
    expect([...masters].sort()).toEqual(['table:products', 'table:users']);
    const satellites = findSatellites(g, masters, new Set(), options);
    expect(satellites.has('table:events')).toBe(false);
    expect(satellites.has('table:methods')).toBe(false);
    expect(satellites.get('table:addresses')).toBe('table:users');
  });

  it('a table with no owner joins the table it feeds, else the tables it is read with; chains of such tables end together', () => {
    const g = emptyGraph();
    for (const t of ['events', 'recommendations', 'similar', 'page_views', 'searches', 'daily_sales', 'orders']) addNode(g, 'table', t);
    addEvidence(g, 'table:recommendations', 'table:similar', { kind: 'transaction', count: 2, writes: true, strength: 1 });
    addEvidence(g, 'table:events', 'table:recommendations', { kind: 'join', count: 1, strength: 0.01, flowsTo: 'table:recommendations' });
    addEvidence(g, 'table:events', 'table:orders', { kind: 'join', count: 5, strength: 0.2 });
    addEvidence(g, 'table:page_views', 'table:daily_sales', { kind: 'join', count: 3, strength: 0.05 });
    addEvidence(g, 'table:page_views', 'table:orders', { kind: 'join', count: 3, strength: 0.01 });
    addEvidence(g, 'table:searches', 'table:page_views', { kind: 'join', count: 3, strength: 0.07 });
    addEvidence(g, 'table:daily_sales', 'table:searches', { kind: 'join', count: 3, strength: 0.06 });
    const community = new Map([
      ['table:recommendations', 0], ['table:similar', 0], ['table:orders', 1],
      ['table:events', 2], ['table:page_views', 3], ['table:searches', 4], ['table:daily_sales', 5],
    ]);
    adoptOrphans(g, community, new Set(), new Set(), options);
    // Fed rows count before stronger co-reads.
    expect(community.get('table:events')).toBe(0);
    // The three analytics tables end in one community, not with orders.
    expect(community.get('table:page_views')).toBe(community.get('table:searches'));
    expect(community.get('table:daily_sales')).toBe(community.get('table:searches'));
    expect(community.get('table:page_views')).not.toBe(1);
  });

  it('without code, routes are placed with the tables they use and do not change how tables are grouped', async () => {
    const sample = path.join(SAMPLE_ROOT, 'logs/comments-on/postgresql.csv.gz');
    const recorded = await summarizeTraffic({ files: [sample] });
    expect(recorded.requests.length).toBeGreaterThan(40);
    const dump = await readSchemaDump(path.join(SAMPLE_ROOT, 'schema.sql'));
    const tablesOf = (p: ReturnType<typeof proposePartition>) => {
      const groups = new Map<number, string[]>();
      for (const [id, c] of p.community) if (id.startsWith('table:')) (groups.get(c) ?? groups.set(c, []).get(c)!).push(id);
      return [...groups.values()].map((ids) => ids.sort().join(' ')).sort();
    };
    const withRoutes = proposePartition(buildCouplingGraph({ traffic: recorded, schema: dump }), options);
    const withoutRoutes = proposePartition(buildCouplingGraph({ traffic: { ...recorded, requests: [] }, schema: dump }), options);
    expect(tablesOf(withRoutes)).toEqual(tablesOf(withoutRoutes));
    // Each route lands with tables it uses (a product page that logs a view event stays with the catalog it reads).
    for (const r of recorded.requests) {
      const used = r.tables.map((t) => withRoutes.community.get(`table:${t}`)).filter((x) => x !== undefined);
      if (used.length) expect(used, r.route).toContain(withRoutes.community.get(`route:${r.route}`));
    }
  });
});
