/**
 * The code move on small monoliths written here: what is copied (only what the handlers reach), how imports are
 * rewritten (through a barrel to the declaring file, the knex module to the service's database module), which calls
 * become an HTTP client (another context's GET route answers with the function's result) and which stay as seams,
 * how statements on other contexts' or shared tables are routed and listed, inline handlers and their middleware,
 * the monolith's error handler, and what cannot be moved.
 */
import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CodeMoveInput, CodeMovePlan } from '../../../src/generators/code-move/contract.ts';
import { planCodeMove } from '../../../src/generators/code-move/plan-code-move.ts';

const TREE: Record<string, string> = {
  'package.json': JSON.stringify({ name: 'mini', dependencies: { express: '^4.21.0', knex: '^3.1.0', 'left-pad': '^1.3.0' } }),
  'src/db.ts': "import knexFactory from 'knex';\nexport type Db = ReturnType<typeof knexFactory>;\nexport const knex = knexFactory({ client: 'pg', connection: process.env.DATABASE_URL });\n",
  'src/http.ts':
    "import type { NextFunction, Request, Response } from 'express';\nexport class HttpError extends Error { constructor(readonly status: number, m: string) { super(m); } }\nexport function onError(err: unknown, _req: Request, res: Response, _next: NextFunction) { res.status(err instanceof HttpError ? err.status : 500).json({ error: String(err) }); }\nexport function unused() { return 'not reached'; }\n",
  'src/audit.ts': "import { knex } from './db';\nexport async function audit(what: string) {\n  await knex('audit_log').insert({ what });\n}\n",
  'src/users/users.ts': "import { knex } from '../db';\nexport async function findUser(id: number) {\n  return knex('users').where({ id }).first();\n}\nexport async function usersOfTeam(team: string) {\n  return knex('users').where({ team });\n}\n",
  'src/users/index.ts': "export { findUser, usersOfTeam } from './users';\n",
  'src/users/routes.ts':
    "import { Router } from 'express';\nimport { findUser, usersOfTeam } from './index';\nexport const users = Router();\nusers.get('/users/:id', async (req, res) => { res.json(await findUser(Number(req.params.id))); });\nusers.get('/teams/:team/users', async (req, res) => { res.json(await usersOfTeam(req.params.team)); });\n",
  'src/orders/auth.ts': "import type { NextFunction, Request, Response } from 'express';\nexport function auth(req: Request, _res: Response, next: NextFunction) { next(); }\n",
  'src/orders/orders.ts': [
    "import type { Request, Response } from 'express';",
    "import leftPad from 'left-pad';",
    "import { knex } from '../db';",
    "import { audit } from '../audit';",
    "import { HttpError } from '../http';",
    "import { findUser, usersOfTeam } from '../users/index';",
    '',
    'const PAGE = 20;',
    '',
    '/** One order with its buyer. */',
    'export async function showOrder(req: Request, res: Response) {',
    "  const order = await knex('orders').where({ id: Number(req.params.id) }).first();",
    "  if (!order) throw new HttpError(404, 'no order');",
    '  const buyer = await findUser(order.user_id);',
    "  const team = await usersOfTeam('x', PAGE);",
    "  const lines = await knex('order_lines as l').join('users as u', 'u.id', 'l.user_id').where('l.order_id', order.id).select('l.*', 'u.name');",
    "  await audit('show');",
    '  res.json({ ...order, buyer, team, lines, code: leftPad(String(order.id), 8) });',
    '}',
    '',
    'export async function notRouted() {',
    "  return knex('orders');",
    '}',
    '',
  ].join('\n'),
  'src/orders/routes.ts':
    "import { Router } from 'express';\nimport { knex } from '../db';\nimport { auth } from './auth';\nimport { showOrder } from './orders';\nexport const orders = Router();\norders.get('/orders/:id', showOrder);\norders.get('/orders', auth, async (req, res) => {\n  res.json(await knex('orders').limit(10));\n});\n",
  'src/app.ts': "import express from 'express';\nimport { onError } from './http';\nimport { orders } from './orders/routes';\nimport { users } from './users/routes';\nexport const app = express();\napp.use(users);\napp.use('/api', orders);\napp.use(onError);\n",
};

let root: string;
let plan: CodeMovePlan;
const file = (p: string) => plan.files.find((f) => f.path === p)?.contents;

function input(extra: Partial<CodeMoveInput> = {}): CodeMoveInput {
  return {
    monolithRoot: root,
    context: 'orders',
    contexts: {
      orders: { tables: ['orders', 'order_lines'], modules: ['src/orders'], routes: ['GET /api/orders/:id', 'GET /api/orders', 'DELETE /api/orders/:id'] },
      users: { tables: ['users'], modules: ['src/users'], routes: ['GET /users/:id', 'GET /teams/:team/users'] },
    },
    databaseEnv: 'ORDERS_DATABASE_URL',
    monolithUrl: 'http://monolith.internal:3000',
    monolithTables: ['orders', 'order_lines', 'users', 'audit_log'],
    ...extra,
  };
}

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'code-move-'));
  for (const [p, text] of Object.entries(TREE)) {
    await mkdir(path.dirname(path.join(root, p)), { recursive: true });
    await writeFile(path.join(root, p), text);
  }
  plan = await planCodeMove(input());
}, 60_000);
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('the code move', () => {
  it('moves the routes it finds, on the same method and full path, and reports the one it cannot find', () => {
    expect(plan.routes.map((r) => `${r.method} ${r.path}`).sort()).toEqual(['GET /api/orders', 'GET /api/orders/:id']);
    expect(plan.routes.find((r) => r.path === '/api/orders/:id')).toMatchObject({ handler: 'src/orders/orders.ts:11', movedTo: 'src/domain/orders/orders.ts' });
    expect(plan.notMoved).toEqual([expect.objectContaining({ what: 'route DELETE /api/orders/:id', why: expect.stringMatching(/no registration/) })]);
    const mount = file('src/domain/mount.ts')!;
    expect(mount).toContain('routes.get("/api/orders/:id", run(showOrder_');
    expect(mount).toMatch(/routes\.get\("\/api\/orders", run\(strangler_route_1_\d\), run\(strangler_route_2_\d\)\);/);
    expect(mount).toMatch(/routes\.use\(onError_\d\);/);
    expect(mount).toContain("export { closeDomain } from './strangler/database.js';");
  });

  it('copies only the declarations the handlers reach, with their comments, and rewrites the imports', () => {
    const orders = file('src/domain/orders/orders.ts')!;
    expect(orders).toContain('/** One order with its buyer. */');
    expect(orders).toContain('const PAGE = 20;');
    expect(orders).not.toContain('notRouted');
    expect(orders).toContain("import { knex, monolithKnex } from '../strangler/database.js';");
    expect(orders).toContain("import { audit } from '../audit.js';");
    expect(orders).toContain("import leftPad from 'left-pad';");
    expect(orders).toContain("import type { Request, Response } from 'express';");
    const http = file('src/domain/http.ts')!;
    expect(http).toContain('export class HttpError');
    expect(http).toContain('export function onError');
    expect(http).not.toContain('unused');
    // the inline handler and its middleware, as exports of the registration's copy
    const routes = file('src/domain/orders/routes.ts')!;
    expect(routes).toMatch(/export const strangler_route_1 = auth;/);
    expect(routes).toMatch(/export const strangler_route_2: RequestHandler = async \(req, res\) => \{\n {2}res\.json\(await knex\('orders'\)\.limit\(10\)\);\n\}/);
    expect(routes).not.toContain('Router()');
    expect(routes).toContain("import { auth } from './auth.js';");
    expect(file('src/domain/orders/auth.ts')).toContain('export function auth(');
    expect(file('src/db.ts')).toBeUndefined();
    expect(plan.files.some((f) => f.path.startsWith('src/domain/db'))).toBe(false);
    expect(plan.dependencies).toEqual({ 'left-pad': '^1.3.0', express: '^4.21.0' });
  });

  it("turns a call served by another context's GET route into a typed HTTP client, and keeps the others as seams", () => {
    const clients = file('src/domain/clients/users.ts')!;
    expect(clients).toContain('export async function findUser(id: number): Promise<any> {');
    expect(clients).toContain('return getJson(`/users/${encodeURIComponent(String(id))}`);');
    expect(clients).toContain('process.env.MONOLITH_URL ?? "http://monolith.internal:3000"');
    // usersOfTeam is served by GET /teams/:team/users, but this call passes two arguments: a copied seam
    expect(clients).not.toContain('usersOfTeam');
    const orders = file('src/domain/orders/orders.ts')!;
    expect(orders).toContain("import { findUser } from '../clients/users.js';");
    expect(orders).toContain("import { usersOfTeam } from '../users/users.js';");
    expect(file('src/domain/users/users.ts')).toContain('export async function usersOfTeam');
    expect(file('src/domain/users/users.ts')).not.toContain('findUser');
    expect(file('src/domain/users/users.ts')).toContain("return monolithKnex('users').where({ team });");
    expect(orders).toMatch(/\/\/ SEAM: call: users's usersOfTeam \(src\/users\/users\.ts:5\) is a copy of the monolith's code; no route of users serves it\n {2}const team/);
    const calls = plan.seams.filter((s) => s.kind === 'call');
    expect(calls).toEqual([
      expect.objectContaining({ from: 'src/orders/orders.ts:14', to: 'src/users/users.ts:2', otherContext: 'users', detail: expect.stringContaining('typed HTTP client of GET /users/:id') }),
      expect.objectContaining({ from: 'src/orders/orders.ts:15', to: 'src/users/users.ts:5', otherContext: 'users' }),
    ]);
  });

  it("routes statements on other contexts' or shared tables to the monolith's database, each a listed seam", () => {
    const orders = file('src/domain/orders/orders.ts')!;
    expect(orders).toContain("const order = await knex('orders')");
    expect(orders).toMatch(/\/\/ SEAM: crossJoin: joins order_lines with users \(users\); runs on the monolith's database\n {2}const lines = await monolithKnex\('order_lines as l'\)/);
    expect(file('src/domain/audit.ts')).toContain("await monolithKnex('audit_log').insert({ what });");
    expect(plan.seams.filter((s) => s.kind !== 'call')).toEqual([
      expect.objectContaining({ kind: 'crossJoin', from: 'src/orders/orders.ts:16', to: 'users', otherContext: 'users' }),
      expect.objectContaining({ kind: 'sharedWrite', from: 'src/audit.ts:3', to: 'audit_log', suggestion: expect.stringMatching(/has no owner/) }),
    ]);
  });

  it("writes the service's database module: both pools from the environment, the monolith's names, closeDomain", () => {
    const db = file('src/domain/strangler/database.ts')!;
    expect(db).toContain("open('ORDERS_DATABASE_URL'");
    expect(db).toContain("open('MONOLITH_DATABASE_URL'");
    expect(db).toContain('if (!url) throw new Error(`${env} is not set');
    expect(db).toContain('export const knex: Knex = lazy(serviceDatabase);');
    expect(db).toContain('export const monolithKnex: Knex = lazy(monolithDatabase);');
    expect(db).toContain('export async function closeDomain(): Promise<void> {');
  });

  it("calls the other context's service once strangler.yaml gives its url", async () => {
    const base = input();
    const extracted = await planCodeMove({ ...base, contexts: { ...base.contexts, users: { ...base.contexts.users!, serviceUrl: 'http://users.internal:4001' } } });
    const clients = extracted.files.find((f) => f.path === 'src/domain/clients/users.ts')!.contents;
    expect(clients).toContain('process.env.USERS_SERVICE_URL ?? "http://users.internal:4001"');
  });

  it('leaves the monolith as it was', async () => {
    for (const [p, text] of Object.entries(TREE)) expect(await readFile(path.join(root, p), 'utf8'), p).toBe(text);
  });

  it('reports a handler it cannot find, and a source file that does not parse, without failing', async () => {
    await writeFile(path.join(root, 'src/orders/broken.ts'), 'export function (((\n');
    const r = await planCodeMove(input({ context: 'users' }));
    expect(r.routes.map((x) => x.path).sort()).toEqual(['/teams/:team/users', '/users/:id']);
    expect(r.files.find((f) => f.path === 'src/domain/users/users.ts')!.contents).toContain("return knex('users').where({ id }).first();");
    await rm(path.join(root, 'src/orders/broken.ts'));
  });

  it('refuses a file it would copy that does not parse, naming the file and line', async () => {
    const auth = path.join(root, 'src/orders/auth.ts');
    await writeFile(auth, `${TREE['src/orders/auth.ts']}export function broken( {`);
    await expect(planCodeMove(input())).rejects.toThrow(/^src\/orders\/auth\.ts:3: does not parse \(.+\); the routes of orders reach it$/);
    await writeFile(auth, TREE['src/orders/auth.ts']!);
  });
});
