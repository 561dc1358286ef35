import { describe, expect, it } from 'vitest';
import { routeLines, scanTree } from './tree.ts';

describe('express / koa routers', () => {
  it('mounts routers under their prefixes, nested, from another file, through a function given the app', async () => {
    const model = await scanTree({
      'src/server.ts': ["import express from 'express';", "import mountAll from './routes/index.ts';", 'const app = express();', 'mountAll(app);', 'app.listen(3000);'],
      'src/routes/index.ts': [
        "import { Router } from 'express';",
        "import products from './products.ts';",
        'export default (app) => {',
        '  const api = Router();',
        "  app.use('/api', api);",
        "  api.use('/products', auth, products);",
        "  api.use('/orders', require('./orders').default);",
        '};',
        'function auth(req, res, next) { next(); }',
      ],
      'src/routes/products.ts': [
        "import { Router } from 'express';",
        "import { list, wrap } from '../handlers.ts';",
        'const router = Router();',
        "router.get('/', wrap(list));",
        "router.get('/:id', auth, [validate], (req, res) => res.json({}));",
        "router.route('/:id/variants').get(list).post(wrap(list));",
        'export default router;',
        'function auth(req, res, next) { next(); }',
        'function validate(req, res, next) { next(); }',
      ],
      'src/routes/orders.js': ["const { Router } = require('express');", "const r = Router();", "r.post('/', function create(req, res) { res.send(); });", 'exports.default = r;'],
      'src/handlers.ts': ['export const wrap = (f) => f;', 'export function list(req, res) { res.json([]); }'],
    });
    expect(routeLines(model)).toEqual([
      'GET /api/products -> src/handlers.ts#list',
      'GET /api/products/:id -> src/routes/products.ts#GET /:id@5',
      'GET /api/products/:id/variants -> src/handlers.ts#list',
      'POST /api/orders -> src/routes/orders.js#POST /@3',
      'POST /api/products/:id/variants -> src/handlers.ts#list',
    ]);
    const r = model.routes.find((x) => x.route === 'GET /api/products')!;
    expect([r.method, r.path, r.handlerName, r.handlerAt, r.via]).toEqual(['GET', '/', 'list', { file: 'src/handlers.ts', line: 2 }, 'express']);
  });

  it('koa-router: a router prefix, named routes, sub-routers through .routes()', async () => {
    const model = await scanTree({
      'app.js': ["const Koa = require('koa');", "const api = require('./api');", 'const app = new Koa();', 'app.use(api.routes());'],
      'api.js': [
        "const Router = require('koa-router');",
        "const users = require('./users');",
        "const router = new Router({ prefix: '/api' });",
        "router.use('/users', users.routes(), users.allowedMethods());",
        "router.get('health', '/health', (ctx) => { ctx.body = 'ok'; });",
        'module.exports = router;',
      ],
      'users.js': ["const Router = require('koa-router');", 'const router = new Router();', "router.get('/:id', show);", 'async function show(ctx) {}', 'module.exports = router;'],
    });
    expect(routeLines(model)).toEqual(['GET /api/health -> api.js#GET /health@5', 'GET /api/users/:id -> users.js#show']);
  });

  it('warns about a path that is not a literal instead of guessing it', async () => {
    const model = await scanTree({ 'r.ts': ["import { Router } from 'express';", 'const router = Router();', 'const p = `/x/${Date.now()}`;', 'router.get(p, (req, res) => res.end());'] });
    expect(model.routes).toEqual([]);
    expect(model.warnings).toEqual(['r.ts:4: router.get() with a path that is not a literal: route not recorded (its path is only known at run time)']);
  });
});

describe('fastify and hapi', () => {
  it('registers plugins under their prefix, inline and imported; route objects with arrays of methods', async () => {
    const model = await scanTree({
      'server.ts': [
        "import Fastify from 'fastify';",
        "import items from './items.ts';",
        'const app = Fastify();',
        "app.register(items, { prefix: '/v1/items' });",
        "app.register(async (f) => { f.get('/ping', async () => 'pong'); }, { prefix: '/v1' });",
      ],
      'items.ts': [
        'export default async function items(fastify) {',
        "  fastify.route({ method: ['GET', 'HEAD'], url: '/:id', handler: show });",
        "  fastify.post('/', { schema: {} }, create);",
        '}',
        'async function show() {}',
        'async function create() {}',
      ],
      'hapi.ts': ["server.route([{ method: 'GET', path: '/h', handler: h }, { method: '*', path: '/any', options: { handler: h } }]);", 'function h() {}'],
    });
    expect(routeLines(model)).toEqual([
      'ALL /any -> hapi.ts#h',
      'GET /h -> hapi.ts#h',
      'GET /v1/items/:id -> items.ts#show',
      'GET /v1/ping -> server.ts#GET /ping@5',
      'HEAD /v1/items/:id -> items.ts#show',
      'POST /v1/items -> items.ts#create',
    ]);
  });
});

describe('NestJS', () => {
  it('joins the global prefix, RouterModule module prefixes and controller paths', async () => {
    const model = await scanTree({
      'src/main.ts': ["const app = await NestFactory.create(AppModule);", "app.setGlobalPrefix('api');"],
      'src/app.module.ts': [
        "import { AdminModule } from './admin/admin.module';",
        '@Module({ imports: [AdminModule, RouterModule.register([{ path: "admin", module: AdminModule }])] })',
        'export class AppModule {}',
      ],
      'src/admin/admin.module.ts': ["import { UsersController } from './users.controller';", '@Module({ controllers: [UsersController] })', 'export class AdminModule {}'],
      'src/admin/users.controller.ts': [
        "@Controller({ path: 'users' })",
        'export class UsersController {',
        "  @Get(':id') find() { return 1; }",
        '  @Post() create() { return 2; }',
        '  @Get(ROUTES.x) dynamic() { return 3; }',
        '}',
      ],
      'src/health.controller.ts': ['@Controller()', 'export class HealthController {', '  @Get(["health", "ready"]) check() {}', '}'],
    });
    expect(routeLines(model)).toEqual([
      'GET /api/admin/users/:id -> src/admin/users.controller.ts#UsersController.find',
      'GET /api/health -> src/health.controller.ts#HealthController.check',
      'GET /api/ready -> src/health.controller.ts#HealthController.check',
      'POST /api/admin/users -> src/admin/users.controller.ts#UsersController.create',
    ]);
    expect(model.warnings).toEqual(['src/admin/users.controller.ts:5: @Get() on UsersController.dynamic with a path that is not a literal: route not recorded']);
  });
});

describe('Next.js', () => {
  it('routes API files by their place: pages/api (default export) and app/**/route.ts (exported methods)', async () => {
    const model = await scanTree({
      'pages/api/users/[id].ts': ['export default function handler(req, res) { res.json({}); }'],
      'pages/api/index.ts': ['export default (req, res) => res.end();'],
      'src/app/(shop)/api/orders/[...rest]/route.ts': ['export async function GET() {}', 'export const POST = async () => {};'],
      'src/app/page.tsx': ['export default function Page() { return null; }'],
    });
    expect(routeLines(model)).toEqual([
      'ALL /api -> pages/api/index.ts#default',
      'ALL /api/users/:id -> pages/api/users/[id].ts#handler',
      'GET /api/orders/* -> src/app/(shop)/api/orders/[...rest]/route.ts#GET',
      'POST /api/orders/* -> src/app/(shop)/api/orders/[...rest]/route.ts#POST',
    ]);
  });
});
