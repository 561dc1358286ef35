/**
 * Kysely: `db.selectFrom('person as p')` reads, `insertInto` / `replaceInto` / `updateTable` / `deleteFrom` /
 * `mergeInto` write; the joins of a `selectFrom` chain (`.innerJoin('pet as pt', …)`) read. The method names are
 * Kysely's own, so the receiver is not checked; a first argument that is not a literal table name is no table.
 */
import ts from 'typescript';
import { SyntaxKind } from '../syntax.ts';
import type { CodeDetector, Mode } from './detector.ts';
import { tableOf } from './knex.ts';

const ROOTS: Record<string, Mode> = { selectFrom: 'read', insertInto: 'write', replaceInto: 'write', updateTable: 'write', deleteFrom: 'write', mergeInto: 'write' };
const JOINS = new Set(['innerJoin', 'leftJoin', 'rightJoin', 'fullJoin', 'innerJoinLateral', 'leftJoinLateral']);

/** Does the chain a join is called on start with a Kysely root (`selectFrom`, `updateTable`…)? */
function kyselyChain(expr: ts.Expression): boolean {
  for (let e = expr; ts.isCallExpression(e) || ts.isPropertyAccessExpression(e); e = e.expression) {
    if (ts.isPropertyAccessExpression(e) && e.name.text in ROOTS) return true;
  }
  return false;
}

export const kysely: CodeDetector = {
  name: 'kysely',
  kinds: [SyntaxKind.CallExpression],
  visit(node, ctx) {
    const call = node as ts.CallExpression;
    if (!ts.isPropertyAccessExpression(call.expression)) return;
    const method = call.expression.name.text;
    const a0 = call.arguments[0];
    if (!a0 || !ts.isStringLiteralLike(a0)) return;
    const root = Object.hasOwn(ROOTS, method) ? ROOTS[method] : undefined;
    if (!root && !(JOINS.has(method) && kyselyChain(call.expression.expression))) return;
    const table = tableOf(a0.text);
    if (table) ctx.table(table, root ?? 'read', call, 'kysely');
  },
};
