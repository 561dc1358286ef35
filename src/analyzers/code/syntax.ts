/** Small helpers over TypeScript syntax nodes, shared by the file walk and the detectors. */
import ts from 'typescript';

/** Read once: every `ts.X` is a getter, too slow to call for each node of a large tree. */
export const { SyntaxKind } = ts;

export const HTTP_METHODS = new Set(['get', 'post', 'put', 'patch', 'delete', 'head', 'options', 'all']);

/** `x` of `(x)`, `x as T`, `x satisfies T`, `x!`. */
export function bare(expr: ts.Expression): ts.Expression {
  while (ts.isParenthesizedExpression(expr) || ts.isAsExpression(expr) || ts.isSatisfiesExpression(expr) || ts.isNonNullExpression(expr)) expr = expr.expression;
  return expr;
}

export function isDefaultExport(node: ts.FunctionDeclaration | ts.ClassDeclaration): boolean {
  return (node.modifiers?.some((m) => m.kind === SyntaxKind.ExportKeyword) ?? false) && (node.modifiers?.some((m) => m.kind === SyntaxKind.DefaultKeyword) ?? false);
}

export function memberName(name: ts.PropertyName): string | undefined {
  return ts.isIdentifier(name) || ts.isStringLiteral(name) ? name.text : undefined;
}

/** The last name of `a.b.c` (`c`) or of an identifier. */
export function lastName(expr: ts.Expression): string | undefined {
  const e = bare(expr);
  if (ts.isIdentifier(e)) return e.text;
  if (ts.isPropertyAccessExpression(e)) return e.name.text;
  return undefined;
}

/** `{ key: value }` / `{ key }` of an object literal. */
export function propertyOf(obj: ts.ObjectLiteralExpression, key: string): ts.Expression | undefined {
  for (const p of obj.properties) {
    if (ts.isShorthandPropertyAssignment(p) && p.name.text === key) return p.name;
    if (ts.isPropertyAssignment(p) && (ts.isIdentifier(p.name) || ts.isStringLiteral(p.name)) && p.name.text === key) return p.initializer;
  }
  return undefined;
}

export function stringProperty(obj: ts.ObjectLiteralExpression, key: string): string | undefined {
  const v = propertyOf(obj, key);
  return v && ts.isStringLiteralLike(v) ? v.text : undefined;
}

/** `exports.x` / `module.exports.x` -> 'x'; `module.exports` -> '*'. */
export function commonJsExport(left: ts.Expression): string | undefined {
  const isModuleExports = (e: ts.Expression) => ts.isPropertyAccessExpression(e) && ts.isIdentifier(e.expression) && e.expression.text === 'module' && e.name.text === 'exports';
  if (isModuleExports(left)) return '*';
  if (!ts.isPropertyAccessExpression(left)) return undefined;
  const owner = left.expression;
  if ((ts.isIdentifier(owner) && owner.text === 'exports') || isModuleExports(owner)) return left.name.text;
  return undefined;
}

/** `require('./x')` (also `require('./x').default`, `require('./x').name`): the module it names. */
export function requiredModule(expr: ts.Expression): string | undefined {
  const e = ts.isPropertyAccessExpression(expr) ? expr.expression : expr;
  if (!ts.isCallExpression(e) || !ts.isIdentifier(e.expression) || e.expression.text !== 'require' || e.arguments.length !== 1) return undefined;
  const [spec] = e.arguments;
  return spec && ts.isStringLiteralLike(spec) ? spec.text : undefined;
}

/** Joins path pieces as a router does: `/api` + `users/` + `:id` -> `/api/users/:id`; `/` alone stays `/`. */
export function joinPaths(...parts: string[]): string {
  const segments = parts.flatMap((p) => p.split('/')).filter(Boolean);
  return `/${segments.join('/')}`;
}
