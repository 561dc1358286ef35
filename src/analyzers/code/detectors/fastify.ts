/**
 * fastify and hapi route objects, and fastify plugins:
 * - `server.route({ method: ['GET', 'HEAD'], url | path: '/items/:id', handler })`, also an array of them (hapi);
 * - `fastify.register(plugin, { prefix: '/v1' })`: the routes `plugin` registers on its first parameter answer
 *   under the prefix (`plugin` inline, a local function or an imported one).
 */
import ts from 'typescript';
import { bare, HTTP_METHODS, propertyOf, stringProperty, SyntaxKind } from '../syntax.ts';
import type { CodeDetector, DetectorContext } from './detector.ts';

function routeObject(obj: ts.ObjectLiteralExpression, node: ts.CallExpression, owner: string | undefined, ctx: DetectorContext): void {
  const method = propertyOf(obj, 'method');
  const url = propertyOf(obj, 'url') ?? propertyOf(obj, 'path');
  let handler = propertyOf(obj, 'handler');
  // hapi: `options: { handler }`, `config: { handler }`
  for (const key of ['options', 'config']) {
    const inner = handler ? undefined : propertyOf(obj, key);
    if (inner && ts.isObjectLiteralExpression(inner)) handler = propertyOf(inner, 'handler');
  }
  if (!method || !url || !handler) return;
  if (!ts.isStringLiteralLike(url) || !url.text.startsWith('/')) return ctx.warn(node, 'route() with a url that is not a literal: route not recorded (its path is only known at run time)');
  const names = ts.isStringLiteralLike(method) ? [method.text] : ts.isArrayLiteralExpression(method) ? method.elements.filter(ts.isStringLiteralLike).map((e) => e.text) : [];
  const via = propertyOf(obj, 'url') ? 'fastify' : 'hapi';
  for (const m of names.map((x) => x.toUpperCase())) {
    if (m === '*') ctx.route({ method: 'ALL', path: url.text, owner, handler, node, via });
    else if (HTTP_METHODS.has(m.toLowerCase())) ctx.route({ method: m, path: url.text, owner, handler, node, via });
  }
}

export const fastify: CodeDetector = {
  name: 'fastify',
  kinds: [SyntaxKind.CallExpression],
  visit(node, ctx) {
    const call = node as ts.CallExpression;
    if (!ts.isPropertyAccessExpression(call.expression)) return;
    const method = call.expression.name.text;
    const [a0, a1] = call.arguments;
    if (method === 'route' && a0 && call.arguments.length === 1) {
      const owner = ctx.ownerOf(call.expression.expression);
      const objects = ts.isObjectLiteralExpression(a0) ? [a0] : ts.isArrayLiteralExpression(a0) ? a0.elements.filter(ts.isObjectLiteralExpression) : [];
      for (const o of objects) routeObject(o, call, owner, ctx);
    } else if (method === 'register' && a0) {
      const options = a1 && bare(a1);
      const prefix = options && ts.isObjectLiteralExpression(options) ? stringProperty(options, 'prefix') : undefined;
      const plugin = bare(a0);
      const child = ctx.parameterOwner(plugin, 0);
      if (child !== undefined) ctx.mount(ctx.ownerOf(call.expression.expression), prefix ?? '', child, call);
    }
  },
};
