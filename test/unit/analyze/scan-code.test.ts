import { mkdtemp, mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { expect, it } from 'vitest';
import { scanCode } from '../../../src/analyzers/code/scan-code.ts';

it('finds imports, calls, knex and raw-SQL table access and routes, with lines; broken files warn', async () => {
  const root = await mkdtemp(path.join(os.tmpdir(), 'scan-'));
  await mkdir(path.join(root, 'src/lib'), { recursive: true });
  await mkdir(path.join(root, 'src/test'), { recursive: true });
  await writeFile(path.join(root, 'src/lib/db.ts'), 'export const db = () => knex;\n');
  await writeFile(
    path.join(root, 'src/orders.ts'),
    [
      "import { db } from './lib/db.ts';",
      "import * as stock from './stock.js';",
      'export async function place(userId: number) {',
      "  const user = await db()('users as u').where({ id: userId }).first();",
      "  await db().insert({ user_id: userId }).into('orders');",
      '  await stock.reserve(1);',
      "  await db()('order_items').where({ id: 1 }).update({ q: 2 });",
      '  return db().raw(`SELECT * FROM orders o JOIN payments p ON p.order_id = o.id WHERE o.user_id = ${userId}`);',
      '}',
    ].join('\n'),
  );
  await writeFile(path.join(root, 'src/stock.ts'), "import { db } from './lib/db.ts';\nexport const reserve = (n: number) => db().table('stock').decrement('qty', n);\n");
  await writeFile(path.join(root, 'src/routes.ts'), "import express from 'express';\nimport { place } from './orders.ts';\nconst router = express.Router();\nrouter.post('/orders', place);\nrouter.get('/health', (_req, res) => res.send('ok'));\ncall('GET', '/not-a-route');\n");
  await writeFile(path.join(root, 'src/broken.ts'), 'export const x = (;\n');
  await writeFile(path.join(root, 'src/test/orders.test.ts'), "db('ignored_in_tests')\n");
  const model = await scanCode({ root });
  expect(model.modules.map((m) => m.path)).toEqual(['src/broken.ts', 'src/lib/db.ts', 'src/orders.ts', 'src/routes.ts', 'src/stock.ts']);
  expect(model.imports.map((i) => `${i.from}->${i.to}:${i.at.line}`)).toEqual([
    'src/orders.ts->src/lib/db.ts:1',
    'src/orders.ts->src/stock.ts:2',
    'src/routes.ts->src/orders.ts:2',
    'src/stock.ts->src/lib/db.ts:1',
  ]);
  // Handlers passed to a router are references, not calls: routes link to them through handlerModule.
  expect(model.calls.map((c) => `${c.from}->${c.to}x${c.count}`)).toEqual(['src/orders.ts->src/lib/db.tsx4', 'src/orders.ts->src/stock.tsx1', 'src/stock.ts->src/lib/db.tsx1']);
  expect(model.tableAccess.map((a) => `${a.module} ${a.table} ${a.mode} ${a.via} :${a.at.line}`)).toEqual([
    'src/orders.ts order_items write knex :7',
    'src/orders.ts orders read raw-sql :8',
    'src/orders.ts orders write knex :5',
    'src/orders.ts payments read raw-sql :8',
    'src/orders.ts users read knex :4',
    'src/stock.ts stock write knex :2',
  ]);
  expect(model.routes.map((r) => [r.route, r.handlerModule, r.at.line])).toEqual([
    ['GET /health', 'src/routes.ts', 5],
    ['POST /orders', 'src/orders.ts', 4],
  ]);
  expect(model.routes.find((r) => r.route === 'POST /orders')!.reaches).toEqual(['src/lib/db.ts', 'src/orders.ts', 'src/stock.ts']);
  expect(model.warnings).toEqual([expect.stringMatching(/^src\/broken\.ts:1: syntax error/)]);
});
