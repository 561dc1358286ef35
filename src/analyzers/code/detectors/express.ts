/**
 * express and koa-router (and fastify's shorthand methods, which look the same):
 * - `router.get('/path', ...middleware, handler)`, `router.get(['/a', '/b'], handler)`, koa-router's named
 *   `router.get('name', '/path', handler)`, and `router.route('/carts').get(list).post(add)`;
 * - mounts: `app.use('/products', productsRouter)`, `app.use('/x', require('./x'))`, `router.use(sub.routes())`,
 *   `routes(app)` (the routes a function registers on its parameter belong to what it is called with);
 * - prefixes a router gives itself: `new Router({ prefix: '/users' })`, `router.prefix('/users')`.
 * A path that is not a literal (`router.get(path, handler)` on a router) is warned about, never guessed.
 */
import ts from 'typescript';
import { bare, HTTP_METHODS, lastName, stringProperty, SyntaxKind } from '../syntax.ts';
import type { CodeDetector, DetectorContext } from './detector.ts';

/** koa-router joins a path without a leading `/` to its prefix (`router.post('documents.list', …)`). */
const RELATIVE_PATH = /^[\w.:-][\w.:\/-]*$/;
const ROUTER_NAME = /(^|[a-z])(router|app|server|api|routes?|fastify|instance)$/i;
const ROUTER_CLASS = /^(Router|KoaRouter|ExpressRouter)$/;
/** Arguments passed to a function that may register routes on them (`routes(app)`, `mountUsers(router)`). */
const OWNER_ARG = /^(app|router|server|api|fastify|instance|r)$/i;

function isHandlerLike(e: ts.Expression | undefined): e is ts.Expression {
  return e !== undefined && (ts.isIdentifier(e) || ts.isPropertyAccessExpression(e) || ts.isArrowFunction(e) || ts.isFunctionExpression(e) || ts.isCallExpression(e) || ts.isArrayLiteralExpression(e));
}

/** A route path as written: a literal starting with `/` (or `*`), or each literal of an array of them. */
function literalPaths(e: ts.Expression | undefined, relative = false): string[] | undefined {
  if (!e) return undefined;
  if (ts.isStringLiteralLike(e)) return e.text.startsWith('/') || e.text === '*' || (relative && RELATIVE_PATH.test(e.text)) ? [e.text] : undefined;
  if (ts.isArrayLiteralExpression(e) && e.elements.length > 0 && e.elements.every(ts.isStringLiteralLike)) {
    const paths = e.elements.map((x) => (x as ts.StringLiteralLike).text);
    return paths.every((p) => p.startsWith('/')) ? paths : undefined;
  }
  return undefined;
}

/** The handler is the last argument; an array of them (`[auth, handler]`) ends with it. */
function lastHandler(args: readonly ts.Expression[]): ts.Expression | undefined {
  let last = args[args.length - 1];
  while (last && ts.isArrayLiteralExpression(last)) last = last.elements[last.elements.length - 1];
  return last;
}

/** `x.route('/carts').get(a).post(b)`: the path of the `.route()` call a method call is chained to. */
function chainedRoutePath(callee: ts.PropertyAccessExpression): { path: string; owner: ts.Expression } | undefined {
  let expr: ts.Expression = callee.expression;
  while (ts.isCallExpression(expr) && ts.isPropertyAccessExpression(expr.expression)) {
    const name = expr.expression.name.text;
    const [first] = expr.arguments;
    if (name === 'route') return first && ts.isStringLiteralLike(first) && first.text.startsWith('/') ? { path: first.text, owner: expr.expression.expression } : undefined;
    if (!HTTP_METHODS.has(name)) return undefined;
    expr = expr.expression.expression;
  }
  return undefined;
}

function visitMethod(node: ts.CallExpression, callee: ts.PropertyAccessExpression, ctx: DetectorContext): void {
  const method = callee.name.text;
  const args = node.arguments;
  const [a0, a1] = args;
  const handler = lastHandler(args);
  if (!isHandlerLike(handler)) return;
  if (args.length < 2) {
    const chained = chainedRoutePath(callee);
    if (chained) ctx.route({ method: method.toUpperCase(), path: chained.path, owner: ctx.ownerOf(chained.owner), handler, node, via: 'express' });
    return;
  }
  const owner = ctx.ownerOf(callee.expression);
  const receiver = lastName(callee.expression);
  const routerLike = receiver !== undefined && ROUTER_NAME.test(receiver);
  const named = a0 && ts.isStringLiteralLike(a0) && args.length >= 3 ? literalPaths(a1, routerLike) : undefined;
  const paths = literalPaths(a0) ?? named ?? literalPaths(a0, routerLike && args.length >= 2);
  if (paths) {
    for (const p of paths) ctx.route({ method: method.toUpperCase(), path: p, owner, handler, node, via: 'express' });
    return;
  }
  const chained = chainedRoutePath(callee);
  if (chained) return ctx.route({ method: method.toUpperCase(), path: chained.path, owner: ctx.ownerOf(chained.owner), handler, node, via: 'express' });
  const dynamic = a0 && !ts.isStringLiteralLike(a0) && !ts.isObjectLiteralExpression(a0) && !ts.isArrowFunction(a0) && !ts.isFunctionExpression(a0);
  if (dynamic && receiver && ROUTER_NAME.test(receiver) && (ts.isArrowFunction(handler) || ts.isFunctionExpression(handler) || ts.isIdentifier(handler) || ts.isPropertyAccessExpression(handler))) {
    ctx.warn(node, `${receiver}.${method}() with a path that is not a literal: route not recorded (its path is only known at run time)`);
  }
}

/** `x.use('/prefix', a, b)`, `x.use(a)`: every argument after the prefix may be a router. */
function visitUse(node: ts.CallExpression, callee: ts.PropertyAccessExpression, ctx: DetectorContext): void {
  const args = [...node.arguments];
  const first = args[0];
  let prefixes = [''];
  if (first && (ts.isStringLiteralLike(first) || ts.isArrayLiteralExpression(first))) {
    const literal = literalPaths(first);
    if (!literal) return; // `app.use('*', …)`-like or non-path strings: nothing to mount
    prefixes = literal;
    args.shift();
  } else if (first && !isHandlerLike(first) && !ts.isNewExpression(first)) return;
  const owner = ctx.ownerOf(callee.expression);
  for (const arg of args) {
    const child = childOwner(arg, ctx);
    if (child !== undefined) for (const p of prefixes) ctx.mount(owner, p, child, node);
  }
}

/** The router an argument of `use` stands for: `sub`, `sub.routes()`, `sub.middleware()`, `require('./sub')`. */
function childOwner(arg: ts.Expression, ctx: DetectorContext): string | undefined {
  const e = bare(arg);
  if (ts.isCallExpression(e) && ts.isPropertyAccessExpression(e.expression) && /^(routes|middleware|allowedMethods)$/.test(e.expression.name.text)) {
    return e.expression.name.text === 'allowedMethods' ? undefined : ctx.ownerOf(e.expression.expression);
  }
  return ctx.ownerOf(e);
}

/** `const r = new Router({ prefix: '/users' })`, `Router({ prefix })`, `express.Router()`. */
function visitDeclaration(node: ts.VariableDeclaration, ctx: DetectorContext): void {
  const init = node.initializer && bare(node.initializer);
  if (!init || !(ts.isNewExpression(init) || ts.isCallExpression(init)) || !ts.isIdentifier(node.name)) return;
  const cls = lastName(init.expression);
  if (!cls || !ROUTER_CLASS.test(cls)) return;
  const options = init.arguments?.[0];
  const prefix = options && ts.isObjectLiteralExpression(options) ? stringProperty(options, 'prefix') : undefined;
  if (prefix) ctx.ownerPrefix(ctx.ownerOf(node.name), prefix);
}

/** `routes(app)`: what `routes` registers on its parameter is registered on `app`. */
function visitCallWithOwner(node: ts.CallExpression, ctx: DetectorContext): void {
  node.arguments.forEach((arg, i) => {
    if (!ts.isIdentifier(arg) || !OWNER_ARG.test(arg.text)) return;
    const child = ctx.parameterOwner(node.expression, i);
    if (child !== undefined) ctx.mount(ctx.ownerOf(arg), '', child, node);
  });
}

/** A project's own helper: `route('get', '/path', ...middleware, handler)`. */
function visitRouteHelper(node: ts.CallExpression, ctx: DetectorContext): boolean {
  const [a0, a1] = node.arguments;
  const handler = lastHandler(node.arguments);
  if (!a0 || !a1 || !ts.isStringLiteralLike(a0) || !HTTP_METHODS.has(a0.text.toLowerCase()) || !ts.isStringLiteralLike(a1) || !a1.text.startsWith('/')) return false;
  if (node.arguments.length < 3 || !isHandlerLike(handler)) return false;
  ctx.route({ method: a0.text.toUpperCase(), path: a1.text, owner: undefined, handler, node, via: 'express' });
  return true;
}

export const express: CodeDetector = {
  name: 'express',
  kinds: [SyntaxKind.CallExpression, SyntaxKind.VariableDeclaration],
  visit(node, ctx) {
    if (ts.isVariableDeclaration(node)) return visitDeclaration(node, ctx);
    const call = node as ts.CallExpression;
    const callee = call.expression;
    if (visitRouteHelper(call, ctx)) return;
    if (!ts.isPropertyAccessExpression(callee)) return visitCallWithOwner(call, ctx);
    const method = callee.name.text;
    if (HTTP_METHODS.has(method)) return visitMethod(call, callee, ctx);
    if (method === 'use') return visitUse(call, callee, ctx);
    if (method === 'prefix' && call.arguments[0] && ts.isStringLiteralLike(call.arguments[0])) return ctx.ownerPrefix(ctx.ownerOf(callee.expression), call.arguments[0].text);
    visitCallWithOwner(call, ctx);
  },
};
