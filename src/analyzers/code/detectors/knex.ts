/**
 * knex (and query builders shaped like it): `knex('users as u')`, `db()('orders')`, `trx('t')`, and the chain
 * steps that name a table (`.from('t')`, `.join('t', …)`, `.into('t')`, `.table('t')`); a chain that calls
 * `insert`/`update`/`del`… writes. Migrations' `createTable('t')` (knex `schema`, Sequelize `queryInterface`)
 * declare tables. A TypeORM query builder's steps (`createQueryBuilder('p').leftJoin('p.variants', 'v')`) name
 * aliases and relations, not tables: they are left to the TypeORM mappings.
 */
import ts from 'typescript';
import { SyntaxKind } from '../syntax.ts';
import type { CodeDetector, Mode } from './detector.ts';
import { SQL_START } from './raw-sql.ts';

const DB_NAMES = /^(knex|db|database|trx|tx|transaction|qb)$/i;
const WRITE_METHODS = new Set(['insert', 'update', 'del', 'delete', 'increment', 'decrement', 'truncate', 'upsert', 'merge', 'onConflict']);
const TABLE_METHODS: Record<string, Mode | 'chain'> = {
  from: 'chain', table: 'chain', into: 'write', join: 'read', innerJoin: 'read', leftJoin: 'read', leftOuterJoin: 'read',
  rightJoin: 'read', rightOuterJoin: 'read', fullOuterJoin: 'read', crossJoin: 'read', joinRaw: 'read',
};
/** Receivers of `.from()` / `.join()` that are never query builders: classes (`Buffer`, `Array`), `path`, arrays… */
const NOT_BUILDERS = /^([A-Z]\w*|path|posix|url|_|lodash|[\w$]*(Path|Paths|Parts|Segments|List|Array|Names|Items|Lines|Keys|Values))$/;
const CREATE_TABLE = new Set(['createTable', 'createTableIfNotExists']);
/** Steps that only a TypeORM (or MikroORM) query builder has. */
const TYPEORM_BUILDER = new Set(['createQueryBuilder', 'leftJoinAndSelect', 'innerJoinAndSelect', 'leftJoinAndMapOne', 'leftJoinAndMapMany', 'getMany', 'getOne', 'getRawMany', 'getRawOne', 'getManyAndCount', 'addSelect', 'setParameter', 'setParameters']);

/** `'users as u'` -> `users`; `'public.users'` -> `users`; `'sales.orders'` stays. Not a name: undefined. */
export function tableOf(literal: string): string | undefined {
  const name = literal.trim().split(/\s+as\s+|\s+/i)[0]!.toLowerCase().replace(/"/g, '');
  if (!/^[a-z_][a-z0-9_$]*(\.[a-z_][a-z0-9_$]*)?$/.test(name)) return undefined;
  return name.startsWith('public.') ? name.slice(7) : name;
}

function isDbHandle(expr: ts.Expression): boolean {
  if (ts.isIdentifier(expr)) return DB_NAMES.test(expr.text);
  if (ts.isCallExpression(expr) && expr.arguments.length === 0) return isDbHandle(expr.expression);
  if (ts.isPropertyAccessExpression(expr)) return DB_NAMES.test(expr.name.text);
  return false;
}

/** Does the call chain this node belongs to call one of `methods` after it? */
function chainAfterHas(node: ts.Node, methods: ReadonlySet<string>): boolean {
  let current: ts.Node = node;
  while (current.parent) {
    const parent = current.parent;
    if (ts.isPropertyAccessExpression(parent) && parent.expression === current) {
      if (methods.has(parent.name.text)) return true;
      current = parent;
    } else if ((ts.isCallExpression(parent) && parent.expression === current) || ts.isAwaitExpression(parent) || ts.isParenthesizedExpression(parent)) {
      current = parent;
    } else break;
  }
  return false;
}

/** Does the chain before `expr` (`a.b().c()`) call one of `methods`? */
function chainBeforeHas(expr: ts.Expression, methods: ReadonlySet<string>): boolean {
  for (let e = expr; ts.isCallExpression(e) || ts.isPropertyAccessExpression(e); e = e.expression) {
    if (ts.isPropertyAccessExpression(e) && methods.has(e.name.text)) return true;
  }
  return false;
}

export const knex: CodeDetector = {
  name: 'knex',
  kinds: [SyntaxKind.CallExpression],
  visit(node, ctx) {
    const call = node as ts.CallExpression;
    const callee = call.expression;
    const a0 = call.arguments[0];
    if (!a0 || !ts.isStringLiteralLike(a0)) return;
    if (isDbHandle(callee)) {
      const table = tableOf(a0.text);
      if (table) ctx.table(table, chainAfterHas(call, WRITE_METHODS) ? 'write' : 'read', call, 'knex');
      return;
    }
    if (!ts.isPropertyAccessExpression(callee)) return;
    const method = callee.name.text;
    if (CREATE_TABLE.has(method)) {
      const table = tableOf(a0.text);
      if (table) ctx.declareTable(table, call, 'migration');
      return;
    }
    const mode = Object.hasOwn(TABLE_METHODS, method) ? TABLE_METHODS[method] : undefined;
    if (!mode || SQL_START.test(a0.text)) return;
    // `Buffer.from('…', 'base64')`, `Array.from`, `Readable.from`, `path.join('a', 'b')`: not query builders.
    if (NOT_BUILDERS.test(callee.expression.getText(ctx.sourceFile).split('.')[0]!)) return;
    if (chainBeforeHas(callee.expression, TYPEORM_BUILDER) || chainAfterHas(call, TYPEORM_BUILDER)) return;
    const table = tableOf(a0.text);
    if (table) ctx.table(table, mode === 'write' || (mode === 'chain' && chainAfterHas(call, WRITE_METHODS)) ? 'write' : 'read', call, 'knex');
  },
};
