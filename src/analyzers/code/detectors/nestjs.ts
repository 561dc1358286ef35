/**
 * NestJS: `@Controller('users') class … { @Get(':id') find() {…} }`, the handler being the decorated method;
 * `@Controller({ path: 'users' })`; the module prefixes of `RouterModule.register([{ path, module, children }])`
 * through `@Module({ controllers: [...] })`; and `app.setGlobalPrefix('api')`. A controller or method path that is
 * not a literal is warned about and its routes are not recorded.
 */
import ts from 'typescript';
import { propertyOf, stringProperty, SyntaxKind } from '../syntax.ts';
import type { CodeDetector, DetectorContext } from './detector.ts';

const NEST_METHODS: Record<string, string> = { Get: 'GET', Post: 'POST', Put: 'PUT', Patch: 'PATCH', Delete: 'DELETE', Head: 'HEAD', Options: 'OPTIONS', All: 'ALL' };

interface DecoratorPath {
  name: string;
  /** Literal paths (`@Get()` is ['']); undefined when the argument is not a literal. */
  paths?: string[];
}

function decoratorPath(d: ts.Decorator): DecoratorPath | undefined {
  const e = d.expression;
  if (ts.isIdentifier(e)) return { name: e.text, paths: [''] };
  if (!ts.isCallExpression(e) || !ts.isIdentifier(e.expression)) return undefined;
  const name = e.expression.text;
  const [first] = e.arguments;
  if (!first) return { name, paths: [''] };
  if (ts.isStringLiteralLike(first)) return { name, paths: [first.text] };
  if (ts.isArrayLiteralExpression(first) && first.elements.every(ts.isStringLiteralLike)) return { name, paths: first.elements.map((x) => (x as ts.StringLiteralLike).text) };
  if (ts.isObjectLiteralExpression(first)) {
    const p = propertyOf(first, 'path');
    if (!p) return { name, paths: [''] };
    if (ts.isStringLiteralLike(p)) return { name, paths: [p.text] };
  }
  return { name };
}

function visitController(cls: ts.ClassDeclaration, ctx: DetectorContext): void {
  const controller = (ts.getDecorators(cls) ?? []).map(decoratorPath).find((d) => d?.name === 'Controller');
  if (!controller || !cls.name) return;
  if (!controller.paths) return ctx.warn(cls, `@Controller(${cls.name.text}) with a path that is not a literal: its routes are not recorded`);
  const owner = ctx.ownerOf(cls.name);
  for (const member of cls.members) {
    if (!ts.isMethodDeclaration(member) || !member.name || !(ts.isIdentifier(member.name) || ts.isStringLiteral(member.name))) continue;
    for (const d of ts.getDecorators(member) ?? []) {
      const call = decoratorPath(d);
      const verb = call && NEST_METHODS[call.name];
      if (!verb) continue;
      if (!call!.paths) {
        ctx.warn(member, `@${call!.name}() on ${cls.name.text}.${member.name.text} with a path that is not a literal: route not recorded`);
        continue;
      }
      for (const prefix of controller.paths) {
        for (const p of call!.paths) {
          const key = `${ctx.file}#${cls.name.text}.${member.name.text}`;
          ctx.route({ method: verb, path: `/${[prefix, p].flatMap((s) => s.split('/')).filter(Boolean).join('/')}`, owner, handler: { key }, node: member, via: 'nestjs' });
        }
      }
    }
  }
}

/** `@Module({ controllers: [A, B], imports: [...] })`: the module's prefix (RouterModule) applies to A and B. */
function visitModule(cls: ts.ClassDeclaration, ctx: DetectorContext): void {
  for (const d of ts.getDecorators(cls) ?? []) {
    const e = d.expression;
    if (!cls.name || !ts.isCallExpression(e) || !ts.isIdentifier(e.expression) || e.expression.text !== 'Module') continue;
    const options = e.arguments[0];
    const controllers = options && ts.isObjectLiteralExpression(options) ? propertyOf(options, 'controllers') : undefined;
    if (!controllers || !ts.isArrayLiteralExpression(controllers)) continue;
    for (const c of controllers.elements) ctx.mount(ctx.ownerOf(cls.name), '', ctx.ownerOf(c), c);
  }
}

/** `RouterModule.register([{ path: 'admin', module: AdminModule, children: [...] }])` (also `forRoutes`). */
function visitRouterModule(routes: ts.Expression, parent: string | undefined, ctx: DetectorContext): void {
  if (!ts.isArrayLiteralExpression(routes)) return;
  for (const r of routes.elements) {
    if (!ts.isObjectLiteralExpression(r)) continue;
    const path = stringProperty(r, 'path') ?? '';
    const module = propertyOf(r, 'module');
    const children = propertyOf(r, 'children');
    const own = `${ctx.file}@${r.pos}`;
    ctx.mount(parent, path, own, r);
    if (module) ctx.mount(own, '', ctx.ownerOf(module), r);
    if (children) visitRouterModule(children, own, ctx);
    if (children && ts.isArrayLiteralExpression(children)) for (const c of children.elements) if (!ts.isObjectLiteralExpression(c)) ctx.mount(own, '', ctx.ownerOf(c), c);
  }
}

export const nestjs: CodeDetector = {
  name: 'nestjs',
  kinds: [SyntaxKind.ClassDeclaration, SyntaxKind.CallExpression],
  visit(node, ctx) {
    if (ts.isClassDeclaration(node)) {
      visitController(node, ctx);
      return visitModule(node, ctx);
    }
    const call = node as ts.CallExpression;
    if (!ts.isPropertyAccessExpression(call.expression)) return;
    const method = call.expression.name.text;
    const [a0] = call.arguments;
    if (method === 'setGlobalPrefix' && a0) {
      if (ts.isStringLiteralLike(a0)) ctx.globalPrefix(a0.text);
      else ctx.warn(call, 'setGlobalPrefix() with a prefix that is not a literal: NestJS routes are listed without it');
    } else if ((method === 'register' || method === 'forRoutes') && a0 && ts.isIdentifier(call.expression.expression) && call.expression.expression.text === 'RouterModule') {
      visitRouterModule(a0, undefined, ctx);
    }
  },
};
