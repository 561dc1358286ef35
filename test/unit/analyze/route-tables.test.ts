import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { scanCode, TRACE_DEPTH } from '../../../src/analyzers/code/scan-code.ts';
import type { CodeModel } from '../../../src/analyzers/types.ts';

/** Writes `files` (path -> lines) under a fresh temp dir and scans it. */
async function scan(files: Record<string, string[]>): Promise<CodeModel> {
  const root = await mkdtemp(path.join(os.tmpdir(), 'route-tables-'));
  for (const [file, lines] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(root, file)), { recursive: true });
    await writeFile(path.join(root, file), lines.join('\n'));
  }
  return scanCode({ root });
}

/** route -> [handler, tables as `name` (read) or `name*` (written), with `xN` when touched N times]. */
function traced(model: CodeModel): Record<string, [string | undefined, string[] | undefined]> {
  return Object.fromEntries(
    model.routes.map((r) => [r.route, [r.handler, r.tables?.map((t) => `${t.table}${t.writes ? '*' : ''}${t.count > 1 ? `x${t.count}` : ''}`)]]),
  );
}

const DB = { 'src/db.ts': ['export const db = () => knex;'] };

describe('route handlers and the tables they use', () => {
  it('finds the handler function: namespace member, named import, alias, wrapper call, bind, default import, object member, class instance, inline function', async () => {
    const model = await scan({
      ...DB,
      'src/catalog.ts': [
        "import { db } from './db.ts';",
        'export async function createProduct() {',
        "  await db()('products').insert({ name: 'x' });",
        '}',
        "export const listProducts = async () => db()('products').select();",
        "export function unrelated() { return db()('audit').insert({}); }",
      ],
      'src/recs.ts': ["import { db } from './db.ts';", "export function rebuild() { return db().raw('INSERT INTO recs SELECT * FROM orders'); }"],
      'src/admin.ts': ["import { rebuild as rebuildRecs } from './recs.ts';", 'export async function rebuildRecommendations() {', '  return rebuildRecs();', '}'],
      'src/users.ts': [
        "import { db } from './db.ts';",
        'class UsersController {',
        '  async update() {',
        '    await this.save();',
        '  }',
        '  async save() {',
        "    await db()('users').update({ x: 1 });",
        '  }',
        '}',
        'export const users = new UsersController();',
        "export default { show: async () => db()('users').first() };",
      ],
      'src/routes.ts': [
        "import express from 'express';",
        "import * as catalog from './catalog.ts';",
        "import { listProducts } from './catalog.ts';",
        "import { rebuildRecommendations as rebuild } from './admin.ts';",
        "import usersApi, { users } from './users.ts';",
        "import { db } from './db.ts';",
        'const asyncHandler = (fn: unknown) => fn;',
        'const router = express.Router();',
        "router.post('/products', catalog.createProduct);",
        "router.get('/products', listProducts);",
        "router.post('/rebuild', rebuild);",
        "router.put('/products', asyncHandler(catalog.createProduct));",
        "router.patch('/users/:id', users.update.bind(users));",
        "router.get('/users/:id', usersApi.show);",
        "router.post('/page-views', auth, async (req, res) => {",
        "  res.json(await db()('page_views').insert({ path: req.path }));",
        '});',
        "router.get('/unknown', somethingElse);",
      ],
    });
    expect(traced(model)).toEqual({
      'POST /products': ['src/catalog.ts#createProduct', ['products*']],
      'GET /products': ['src/catalog.ts#listProducts', ['products']],
      'POST /rebuild': ['src/admin.ts#rebuildRecommendations', ['orders', 'recs*']],
      'PUT /products': ['src/catalog.ts#createProduct', ['products*']],
      'PATCH /users/:id': ['src/users.ts#UsersController.update', ['users*']],
      'GET /users/:id': ['src/users.ts#default.show', ['users']],
      'POST /page-views': ['src/routes.ts#POST /page-views@15', ['page_views*']],
      'GET /unknown': [undefined, undefined],
    });
    // The handler's declaration is the evidence's site; the route's module-level view is unchanged.
    const rebuild = model.routes.find((r) => r.route === 'POST /rebuild')!;
    expect(rebuild.handlerAt).toEqual({ file: 'src/admin.ts', line: 2 });
    expect(rebuild.handlerModule).toBe('src/admin.ts');
    // The module still records every access, attributed or not.
    expect(model.tableAccess.some((a) => a.module === 'src/catalog.ts' && a.table === 'audit')).toBe(true);
  });

  it('follows calls across files (named imports, re-exports) and within a file, writes winning over reads', async () => {
    const model = await scan({
      ...DB,
      'src/orders.ts': [
        "import { db } from './db.ts';",
        "import { reserve } from './stock/index.ts';",
        "function validate() { return db()('users').join('orders', 'orders.user_id', 'users.id').first(); }",
        'export async function place() {',
        '  await validate();',
        "  await db()('orders').insert({ id: 1 });",
        '  await reserve();',
        '}',
        "export function unrelated() { return db()('audit').insert({}); }",
      ],
      'src/stock/index.ts': ["export * from './stock.ts';"],
      'src/stock/stock.ts': [
        "import { db } from '../db.ts';",
        'export async function reserve() {',
        "  await db()('stock').where({ id: 1 }).decrement('qty', 1);",
        "  return db()('stock').select('qty');",
        '}',
      ],
      'src/routes.ts': ["import { place } from './orders.ts';", "router.post('/orders', place);"],
    });
    expect(traced(model)).toEqual({ 'POST /orders': ['src/orders.ts#place', ['orders*x2', 'stock*x2', 'users']] });
  });

  it('a cycle of calls is walked once', async () => {
    const model = await scan({
      ...DB,
      'src/a.ts': [
        "import { db } from './db.ts';",
        "import { b } from './b.ts';",
        "export function a(n: number): unknown { db()('t_a').select(); return n > 0 ? b(n - 1) : a2(); }",
        "function a2() { return a(0); }",
      ],
      'src/b.ts': ["import { db } from './db.ts';", "import { a } from './a.ts';", "export function b(n: number): unknown { db()('t_b').insert({}); return a(n); }"],
      'src/routes.ts': ["import { a } from './a.ts';", "router.get('/a', a);"],
    });
    expect(traced(model)).toEqual({ 'GET /a': ['src/a.ts#a', ['t_a', 't_b*']] });
  });

  it(`stops ${TRACE_DEPTH} calls away from the handler`, async () => {
    const steps = TRACE_DEPTH + 3;
    const fns = Array.from({ length: steps }, (_, i) => `export function f${i}() { db()('t${i}').select(); ${i + 1 < steps ? `return f${i + 1}();` : ''} }`);
    const model = await scan({ ...DB, 'src/chain.ts': ["import { db } from './db.ts';", ...fns], 'src/routes.ts': ["import { f0 } from './chain.ts';", "router.get('/deep', f0);"] });
    expect(traced(model)['GET /deep']![1]).toEqual(Array.from({ length: TRACE_DEPTH + 1 }, (_, i) => `t${i}`));
  });

  it('ORM uses count for the function they are in', async () => {
    const model = await scan({
      'src/order.entity.ts': ["@Entity('orders')", 'export class Order {}'],
      'src/orders.ts': [
        "import { getRepository } from 'typeorm';",
        "import { Order } from './order.entity.ts';",
        'export async function list() { return getRepository(Order).find(); }',
        'export async function cancel() { return getRepository(Order).update({ id: 1 }, { status: "x" }); }',
      ],
      'src/routes.ts': ["import { list, cancel } from './orders.ts';", "router.get('/orders', list);", "router.post('/orders/:id/cancel', cancel);"],
    });
    expect(traced(model)).toEqual({ 'GET /orders': ['src/orders.ts#list', ['orders']], 'POST /orders/:id/cancel': ['src/orders.ts#cancel', ['orders*']] });
  });
});

describe('route definitions in other frameworks', () => {
  it('reads fastify/hapi route objects, express route() chains and NestJS controller decorators, each with its handler', async () => {
    const model = await scan({
      ...DB,
      'src/items.ts': [
        "import { db } from './db.ts';",
        "export async function getItem() { return db()('items').select(); }",
        "export async function addCart() { return db()('carts').insert({}); }",
        "export async function listCarts() { return db()('carts').select(); }",
      ],
      'src/server.ts': [
        "import { getItem, addCart, listCarts } from './items.ts';",
        "fastify.route({ method: ['GET', 'HEAD'], url: '/items/:id', handler: getItem });",
        "server.route({ method: 'DELETE', path: '/items/:id', handler: async () => null });",
        "fastify.route({ method: 'GET', url: 'not-a-path', handler: getItem });",
        "app.route('/carts').get(listCarts).post(addCart);",
      ],
      'src/users.controller.ts': [
        "import { db } from './db.ts';",
        "@Controller('api/users')",
        'export class UsersController {',
        "  @Get(':id')",
        "  find() { return db()('users').select(); }",
        '  @Post()',
        "  create() { return db()('users').insert({}); }",
        '  helper() {}',
        '}',
        "@Injectable() export class NotAController { @Get('x') nope() {} }",
      ],
    });
    const t = traced(model);
    expect(Object.keys(t).sort()).toEqual(['DELETE /items/:id', 'GET /api/users/:id', 'GET /carts', 'GET /items/:id', 'HEAD /items/:id', 'POST /api/users', 'POST /carts']);
    expect(t['GET /items/:id']![1]).toEqual(['items']);
    expect(t['POST /carts']![1]).toEqual(['carts*']);
    expect(t['GET /carts']![1]).toEqual(['carts']);
    expect(t['POST /api/users']).toEqual(['src/users.controller.ts#UsersController.create', ['users*']]);
    expect(t['GET /api/users/:id']![1]).toEqual(['users']);
    expect(model.routes.find((r) => r.route === 'GET /api/users/:id')!.at).toEqual({ file: 'src/users.controller.ts', line: 4 }); // the decorator's line
  });
});

describe('CommonJS modules', () => {
  it('follows require() (whole module and destructured) and exports./module.exports to the handler functions', async () => {
    const model = await scan({
      'src/db.js': ['module.exports = { db: () => knex };'],
      'src/orders.js': [
        "const { db } = require('./db.js');",
        "exports.list = async (req, res) => res.json(await db()('orders').select());",
        "async function createOrder() { await db()('orders').insert({}); await db()('order_items').insert({}); }",
        'module.exports.create = createOrder;',
      ],
      'src/carts.js': [
        "const { db } = require('./db.js');",
        "function clear() { return db()('carts').del(); }",
        'module.exports = { empty: clear };',
      ],
      'src/routes.js': [
        "const orders = require('./orders.js');",
        "const { empty: emptyCart } = require('./carts');",
        "router.get('/orders', orders.list);",
        "router.post('/orders', orders.create);",
        "router.delete('/carts/:id', emptyCart);",
      ],
    });
    expect(model.imports.map((i) => `${i.from} -> ${i.to}`).sort()).toEqual([
      'src/carts.js -> src/db.js',
      'src/orders.js -> src/db.js',
      'src/routes.js -> src/carts.js',
      'src/routes.js -> src/orders.js',
    ]);
    const t = traced(model);
    expect(t['GET /orders']![1]).toEqual(['orders']);
    expect(t['POST /orders']![1]).toEqual(['order_items*', 'orders*']);
    expect(t['DELETE /carts/:id']![1]).toEqual(['carts*']);
    expect(model.routes.find((r) => r.route === 'GET /orders')!.handlerModule).toBe('src/orders.js');
  });
});
