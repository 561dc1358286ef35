/**
 * Drizzle: a table is declared by `pgTable('users', {…})` (also `mysqlTable`, `sqliteTable`, and a schema's
 * `pgSchema('sales').table('orders', …)`, which names `sales.orders`). Uses (`db.select().from(users)`) name the
 * table through its variable; they are not followed yet.
 */
import ts from 'typescript';
import { SyntaxKind } from '../syntax.ts';
import type { CodeDetector } from './detector.ts';
import { tableOf } from './knex.ts';

const TABLE_FUNCTIONS = new Set(['pgTable', 'mysqlTable', 'sqliteTable', 'singlestoreTable']);
const SCHEMA_FUNCTIONS = new Set(['pgSchema', 'mysqlSchema']);

/** `pgSchema('sales')` as the receiver of `.table(...)`, or a variable it was assigned to in this file. */
function schemaOf(receiver: ts.Expression, sf: ts.SourceFile): string | undefined {
  let e = receiver;
  if (ts.isIdentifier(e)) {
    const name = e.text;
    const decl = sf.statements.flatMap((s) => (ts.isVariableStatement(s) ? [...s.declarationList.declarations] : [])).find((d) => ts.isIdentifier(d.name) && d.name.text === name);
    if (!decl?.initializer) return undefined;
    e = decl.initializer;
  }
  if (!ts.isCallExpression(e) || !ts.isIdentifier(e.expression) || !SCHEMA_FUNCTIONS.has(e.expression.text)) return undefined;
  const [a0] = e.arguments;
  return a0 && ts.isStringLiteralLike(a0) ? a0.text : undefined;
}

export const drizzle: CodeDetector = {
  name: 'drizzle',
  kinds: [SyntaxKind.CallExpression],
  visit(node, ctx) {
    const call = node as ts.CallExpression;
    const [a0, a1] = call.arguments;
    if (!a0 || !ts.isStringLiteralLike(a0) || !a1) return;
    const callee = call.expression;
    let schema: string | undefined;
    if (ts.isIdentifier(callee)) {
      if (!TABLE_FUNCTIONS.has(callee.text)) return;
    } else if (ts.isPropertyAccessExpression(callee) && callee.name.text === 'table') {
      schema = schemaOf(callee.expression, ctx.sourceFile);
      if (!schema) return;
    } else return;
    const table = tableOf(schema && schema !== 'public' ? `${schema}.${a0.text}` : a0.text);
    if (table) ctx.declareTable(table, call, 'drizzle');
  },
};
