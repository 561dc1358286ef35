/**
 * Code signals of a TypeScript/JavaScript monolith, from syntax alone (the TypeScript parser; no type checking,
 * no program, one file at a time, so memory stays flat in code size): imports, calls between modules, which
 * module touches which table (knex builders, raw SQL parsed with libpg-query, and TypeORM, Sequelize and Prisma
 * entities: orm-mappings.ts) and the HTTP routes with their handlers.
 *
 * Calls and table accesses are also kept per function (`file#name`: top-level functions, functions assigned to
 * top-level constants, methods of top-level classes and object literals, default exports, inline route handlers),
 * so each route gets the tables its handler and the functions it calls (a few steps deep) read and write: a
 * controller file that mixes domains does not decide where its routes go.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import ts from 'typescript';
import { UsageError } from '../../errors.ts';
import { extractTableAccess, initSqlParser } from '../sql/extract-tables.ts';
import type { CallEdge, CodeModel, CodeRoute, CodeTableAccess, ImportEdge, RouteTable, SourceRef } from '../types.ts';
import { ormCollector, parsePrismaSchema, prismaDelegate, resolveOrmAccess, type OrmFileFacts, type PrismaModel } from './orm-mappings.ts';

export interface ScanOptions {
  root: string;
  /** Folders or files under root to scan (default: everything). */
  include?: string[];
  /** Path fragments to leave out (default: node_modules, dist, build, tests). */
  exclude?: RegExp[];
  onProgress?: (p: { files: number; total: number }) => void;
}

const SOURCE = /\.(ts|tsx|js|jsx|mjs|cjs|mts|cts)$/;
const READ_AHEAD = 32;
const PRISMA_SCHEMA = /\.prisma$/;
const DEFAULT_EXCLUDE = [/(^|\/)node_modules\//, /(^|\/)(dist|build|coverage)\//, /(^|\/)(test|tests|__tests__)\//, /\.(test|spec)\.[cm]?[jt]sx?$/, /\.d\.ts$/];
const HTTP_METHODS = new Set(['get', 'post', 'put', 'patch', 'delete', 'head', 'options', 'all']);
const DB_NAMES = /^(knex|db|database|trx|tx|transaction|qb)$/i;
const WRITE_METHODS = new Set(['insert', 'update', 'del', 'delete', 'increment', 'decrement', 'truncate', 'upsert', 'merge', 'onConflict']);
const TABLE_METHODS: Record<string, 'read' | 'write' | 'chain'> = {
  from: 'chain', table: 'chain', into: 'write', join: 'read', innerJoin: 'read', leftJoin: 'read', leftOuterJoin: 'read',
  rightJoin: 'read', rightOuterJoin: 'read', fullOuterJoin: 'read', crossJoin: 'read', joinRaw: 'read',
};
const SQL_START = /^\s*(\/\*[\s\S]*?\*\/\s*)?(select|insert|update|delete|with|truncate)\b/i;
/** Calls followed from a route's handler when collecting the tables it uses. */
export const TRACE_DEPTH = 4;
/** Read once: every `ts.X` is a getter, too slow to call for each node of a large tree. */
const { SyntaxKind } = ts;

/** What one function does: where it is declared, the tables it touches, the functions it calls (`file#name`). */
interface FunctionFacts {
  at: SourceRef;
  tables?: Map<string, { reads: number; writes: number }>;
  calls?: Set<string>;
}

function touch(f: FunctionFacts, table: string, mode: 'read' | 'write'): void {
  const tables = (f.tables ??= new Map());
  const use = tables.get(table) ?? { reads: 0, writes: 0 };
  if (mode === 'write') use.writes++;
  else use.reads++;
  tables.set(table, use);
}

/** `x` of `(x)`, `x as T`, `x satisfies T`, `x!`. */
function bare(expr: ts.Expression): ts.Expression {
  while (ts.isParenthesizedExpression(expr) || ts.isAsExpression(expr) || ts.isSatisfiesExpression(expr) || ts.isNonNullExpression(expr)) expr = expr.expression;
  return expr;
}

function isDefaultExport(node: ts.FunctionDeclaration | ts.ClassDeclaration): boolean {
  return (node.modifiers?.some((m) => m.kind === SyntaxKind.ExportKeyword) ?? false) && (node.modifiers?.some((m) => m.kind === SyntaxKind.DefaultKeyword) ?? false);
}

function memberName(name: ts.PropertyName): string | undefined {
  return ts.isIdentifier(name) || ts.isStringLiteral(name) ? name.text : undefined;
}

/** Source files into `out`; Prisma schemas into `schemas` when given. */
async function listFiles(root: string, rel: string, exclude: RegExp[], out: string[], schemas?: string[]): Promise<void> {
  const full = path.join(root, rel);
  const info = await stat(full);
  if (info.isFile()) {
    if (SOURCE.test(rel) && !exclude.some((e) => e.test(rel))) out.push(rel);
    return;
  }
  for (const entry of (await readdir(full, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name))) {
    const child = rel ? `${rel}/${entry.name}` : entry.name;
    if (entry.isDirectory()) {
      if (!exclude.some((e) => e.test(`${child}/`))) await listFiles(root, child, exclude, out, schemas);
    } else if (SOURCE.test(entry.name) && !exclude.some((e) => e.test(child))) out.push(child);
    else if (schemas && PRISMA_SCHEMA.test(entry.name) && !exclude.some((e) => e.test(child))) schemas.push(child);
  }
}

/** Prisma models of every `.prisma` file found (small files: a line-based reader, no parser). */
async function readPrismaModels(root: string, schemas: string[]): Promise<PrismaModel[]> {
  const models: PrismaModel[] = [];
  for (const file of schemas.sort()) models.push(...parsePrismaSchema(await readFile(path.join(root, file), 'utf8'), file));
  return models;
}

/** Counts one access in `access` (one entry per module, table and mode; `at` is the first site in the file). */
function addAccess(access: Map<string, CodeTableAccess>, file: string, table: string, mode: 'read' | 'write', line: number, via: string): void {
  const key = `${file}|${table}|${mode}`;
  const a = access.get(key);
  if (!a) access.set(key, { module: file, table, mode, count: 1, at: { file, line }, via });
  else {
    a.count++;
    if (line < a.at.line) Object.assign(a, { at: { file, line }, via });
  }
}

/** `exports.x` / `module.exports.x` -> 'x'; `module.exports` -> '*'. */
function commonJsExport(left: ts.Expression): string | undefined {
  const isModuleExports = (e: ts.Expression) => ts.isPropertyAccessExpression(e) && ts.isIdentifier(e.expression) && e.expression.text === 'module' && e.name.text === 'exports';
  if (isModuleExports(left)) return '*';
  if (!ts.isPropertyAccessExpression(left)) return undefined;
  const owner = left.expression;
  if ((ts.isIdentifier(owner) && owner.text === 'exports') || isModuleExports(owner)) return left.name.text;
  return undefined;
}

/** `require('./x')` (also `require('./x').default`): the module it names. */
function requiredModule(expr: ts.Expression): string | undefined {
  const e = ts.isPropertyAccessExpression(expr) && expr.name.text === 'default' ? expr.expression : expr;
  if (!ts.isCallExpression(e) || !ts.isIdentifier(e.expression) || e.expression.text !== 'require' || e.arguments.length !== 1) return undefined;
  const [spec] = e.arguments;
  return spec && ts.isStringLiteralLike(spec) ? spec.text : undefined;
}

function resolveImport(from: string, spec: string, files: Set<string>): string | undefined {
  if (!spec.startsWith('.')) return undefined;
  const base = path.posix.normalize(path.posix.join(path.posix.dirname(from), spec));
  const stem = base.replace(/\.(js|mjs|cjs|jsx)$/, '');
  const candidates = [base, `${stem}.ts`, `${stem}.tsx`, `${stem}.js`, `${stem}.mts`, `${base}.ts`, `${base}.js`, `${base}/index.ts`, `${base}/index.js`];
  return candidates.find((c) => files.has(c));
}

function tableOf(literal: string): string | undefined {
  const name = literal.trim().split(/\s+as\s+|\s+/i)[0]!.toLowerCase().replace(/"/g, '');
  if (!/^[a-z_][a-z0-9_$]*(\.[a-z_][a-z0-9_$]*)?$/.test(name)) return undefined;
  return name.startsWith('public.') ? name.slice(7) : name;
}

/** The SQL in a string or template literal, with `${...}` and knex `?` bindings turned into parameters. */
function sqlOf(node: ts.Node): string | undefined {
  let text: string | undefined;
  if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) text = node.text;
  else if (ts.isTemplateExpression(node)) {
    text = node.head.text + node.templateSpans.map((s, i) => `$${i + 1}${s.literal.text}`).join('');
  }
  if (!text || !SQL_START.test(text)) return undefined;
  let n = 100;
  return text.replace(/\?\?|\?/g, (m) => (m === '??' ? 'x' : `$${n++}`));
}

/** Does the call chain this node belongs to write (insert/update/delete...)? */
function chainWrites(node: ts.Node): boolean {
  let current: ts.Node = node;
  while (current.parent) {
    const parent = current.parent;
    if (ts.isPropertyAccessExpression(parent) && parent.expression === current) {
      if (WRITE_METHODS.has(parent.name.text)) return true;
      current = parent;
    } else if (ts.isCallExpression(parent) && parent.expression === current) {
      current = parent;
    } else if (ts.isAwaitExpression(parent) || ts.isParenthesizedExpression(parent)) {
      current = parent;
    } else break;
  }
  return false;
}

/** `x.route('/carts').get(a).post(b)`: the path of the `.route()` call a method call is chained to. */
function chainedRoutePath(callee: ts.PropertyAccessExpression): string | undefined {
  let expr: ts.Expression = callee.expression;
  while (ts.isCallExpression(expr) && ts.isPropertyAccessExpression(expr.expression)) {
    const name = expr.expression.name.text;
    const [first] = expr.arguments;
    if (name === 'route') return first && ts.isStringLiteralLike(first) && first.text.startsWith('/') ? first.text : undefined;
    if (!HTTP_METHODS.has(name)) return undefined;
    expr = expr.expression.expression;
  }
  return undefined;
}

/** `{ method: 'GET' | ['GET', 'HEAD'], url | path: '/x', handler }` (fastify, hapi). */
function routeObject(obj: ts.ObjectLiteralExpression): { methods: string[]; path: string; handler: ts.Expression } | undefined {
  const prop = (key: string) =>
    obj.properties.find((p): p is ts.PropertyAssignment | ts.ShorthandPropertyAssignment => (ts.isPropertyAssignment(p) || ts.isShorthandPropertyAssignment(p)) && !!p.name && ts.isIdentifier(p.name) && p.name.text === key);
  const valueOf = (p: ts.PropertyAssignment | ts.ShorthandPropertyAssignment | undefined) => (p ? (ts.isPropertyAssignment(p) ? p.initializer : p.name) : undefined);
  const method = valueOf(prop('method'));
  const url = valueOf(prop('url') ?? prop('path'));
  const handler = valueOf(prop('handler'));
  if (!method || !url || !handler || !ts.isStringLiteralLike(url) || !url.text.startsWith('/')) return undefined;
  const names = ts.isStringLiteralLike(method) ? [method.text] : ts.isArrayLiteralExpression(method) ? method.elements.filter(ts.isStringLiteralLike).map((e) => e.text) : [];
  const methods = names.map((m) => m.toUpperCase()).filter((m) => HTTP_METHODS.has(m.toLowerCase()) || m === '*');
  return methods.length ? { methods: methods.map((m) => (m === '*' ? 'ALL' : m)), path: url.text, handler } : undefined;
}

const NEST_METHODS: Record<string, string> = { Get: 'GET', Post: 'POST', Put: 'PUT', Patch: 'PATCH', Delete: 'DELETE', Head: 'HEAD', Options: 'OPTIONS', All: 'ALL' };

/** A decorator's name and its first argument when that is a string (`@Get(':id')` -> ['Get', ':id']). */
function decoratorCall(d: ts.Decorator): { name: string; path?: string } | undefined {
  const e = d.expression;
  if (ts.isIdentifier(e)) return { name: e.text };
  if (!ts.isCallExpression(e) || !ts.isIdentifier(e.expression)) return undefined;
  const [first] = e.arguments;
  if (first && ts.isStringLiteralLike(first)) return { name: e.expression.text, path: first.text };
  if (first && ts.isObjectLiteralExpression(first)) {
    const p = first.properties.find((x): x is ts.PropertyAssignment => ts.isPropertyAssignment(x) && ts.isIdentifier(x.name) && x.name.text === 'path');
    if (p && ts.isStringLiteralLike(p.initializer)) return { name: e.expression.text, path: p.initializer.text };
  }
  return { name: e.expression.text };
}

/** NestJS-style routes of a class: the @Controller prefix joined with each method decorator's path. */
function decoratedRoutes(cls: ts.ClassDeclaration): { route: string; name: string; method: ts.MethodDeclaration }[] {
  const controller = (ts.getDecorators(cls) ?? []).map(decoratorCall).find((d) => d?.name === 'Controller');
  if (!controller) return [];
  const out: { route: string; name: string; method: ts.MethodDeclaration }[] = [];
  for (const member of cls.members) {
    if (!ts.isMethodDeclaration(member) || !member.name || !(ts.isIdentifier(member.name) || ts.isStringLiteral(member.name))) continue;
    for (const d of ts.getDecorators(member) ?? []) {
      const call = decoratorCall(d);
      const verb = call && NEST_METHODS[call.name];
      if (!verb) continue;
      const segments = [controller.path ?? '', call!.path ?? ''].flatMap((s) => s.split('/')).filter(Boolean);
      out.push({ route: `${verb} /${segments.join('/')}`, name: member.name.text, method: member });
    }
  }
  return out;
}

function isDbHandle(expr: ts.Expression): boolean {
  if (ts.isIdentifier(expr)) return DB_NAMES.test(expr.text);
  if (ts.isCallExpression(expr) && expr.arguments.length === 0) return isDbHandle(expr.expression);
  if (ts.isPropertyAccessExpression(expr)) return DB_NAMES.test(expr.name.text);
  return false;
}

export async function scanCode(options: ScanOptions): Promise<CodeModel> {
  const root = path.resolve(options.root);
  try {
    if (!(await stat(root)).isDirectory()) throw new Error('not a directory');
  } catch (e) {
    throw new UsageError(`${options.root}: cannot scan code (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, 'pass an existing directory to --code or set monolith.source');
  }
  await initSqlParser();
  const exclude = options.exclude ?? DEFAULT_EXCLUDE;
  const files: string[] = [];
  const schemas: string[] = [];
  for (const inc of options.include ?? ['']) await listFiles(root, inc, exclude, files, options.include ? undefined : schemas).catch(() => undefined);
  // Prisma schemas map models to tables for the whole tree, so they are looked for outside the included folders too.
  if (options.include) await listFiles(root, '', exclude, [], schemas).catch(() => undefined);
  files.sort();
  const prismaModels = await readPrismaModels(root, schemas);
  const prismaDelegates = new Set(prismaModels.map((m) => prismaDelegate(m.model)));
  const ormFacts: OrmFileFacts[] = [];
  const fileSet = new Set(files);
  const model: CodeModel = { root, modules: [], imports: [], calls: [], tableAccess: [], routes: [], warnings: [] };
  const calls = new Map<string, CallEdge>();
  const access = new Map<string, CodeTableAccess>();
  /** Every function found, by `file#name`. */
  const functions = new Map<string, FunctionFacts>();
  /** Names that stand for another (`file#default` -> `file#rebuild`, a re-export, an object member set to a function). */
  const aliases = new Map<string, string>();
  /** `export * from './x'`: file -> the files it re-exports. */
  const starExports = new Map<string, string[]>();
  /** Function spans of the files with ORM uses (pre-order, so a nested span comes after the one it is in). */
  const spans = new Map<string, { pos: number; end: number; key: string }[]>();
  /** Each route's handler as written (`file#name`), resolved once every file is scanned. */
  const handlerKeys = new Map<CodeRoute, string>();
  let done = 0;
  // Files are read a few dozen ahead of the one being parsed, so parsing does not wait on each read in turn.
  const reads = new Map<number, Promise<string>>();
  const readAhead = (i: number) => {
    if (i >= files.length) return;
    const read = readFile(path.join(root, files[i]!), 'utf8');
    read.catch(() => {}); // awaited in turn below; a failure surfaces there
    reads.set(i, read);
  };
  for (let i = 0; i < READ_AHEAD; i++) readAhead(i);
  for (const [index, file] of files.entries()) {
    const text = await reads.get(index)!;
    reads.delete(index);
    readAhead(index + READ_AHEAD);
    const kind = /\.(tsx|jsx)$/.test(file) ? ts.ScriptKind.TSX : /\.[cm]?js$/.test(file) ? ts.ScriptKind.JS : ts.ScriptKind.TS;
    const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, kind);
    const diagnostics = (sf as unknown as { parseDiagnostics?: ts.Diagnostic[] }).parseDiagnostics ?? [];
    if (diagnostics.length > 0) {
      const d = diagnostics[0]!;
      const line = sf.getLineAndCharacterOfPosition(d.start ?? 0).line + 1;
      model.warnings.push(`${file}:${line}: syntax error (${ts.flattenDiagnosticMessageText(d.messageText, ' ')}); scanned what could be parsed`);
    }
    model.modules.push({ path: file, lines: sf.getLineAndCharacterOfPosition(text.length).line + 1 });
    const lineOf = (node: ts.Node) => sf.getLineAndCharacterOfPosition(node.getStart(sf)).line + 1;
    /** Local name -> module. */
    const bindings = new Map<string, string>();
    /** Local name -> module and the name it exports (`*` for a namespace import, `default`). */
    const imported = new Map<string, { module: string; name: string }>();
    /** The function being walked (`file#name`), and the class or object `this` stands for in it. */
    let fn: string | undefined;
    let thisName: string | undefined;
    /** Top-level classes and object literals -> their name (members become `file#Name.member`). */
    const owners = new Map<ts.Node, string>();
    /** Inline route handlers -> their function name. */
    const inline = new Map<ts.Node, string>();
    /** Names declared at the top of the file (a call to any other local name is not to one of its functions). */
    const topNames = new Set<string>(['default']);
    const fileFunctions: string[] = [];
    const fileSpans: { pos: number; end: number; key: string }[] = [];
    const note = (table: string, mode: 'read' | 'write', node: ts.Node, via: string) => {
      addAccess(access, file, table, mode, lineOf(node), via);
      if (fn !== undefined) touch(functions.get(fn)!, table, mode);
    };
    const orm = ormCollector(sf, file, prismaDelegates);
    const callTo = (target: string, node: ts.Node) => {
      if (target === file) return;
      const key = `${file}|${target}`;
      const edge = calls.get(key) ?? { from: file, to: target, count: 0, at: { file, line: lineOf(node) } };
      edge.count++;
      calls.set(key, edge);
    };
    const handlerModule = (arg: ts.Expression): string | undefined => {
      if (ts.isIdentifier(arg)) return bindings.get(arg.text) ?? file;
      if (ts.isPropertyAccessExpression(arg) && ts.isIdentifier(arg.expression)) return bindings.get(arg.expression.text);
      if (ts.isCallExpression(arg)) return handlerModule(arg.arguments[0] ?? arg.expression);
      if (ts.isArrowFunction(arg) || ts.isFunctionExpression(arg)) return file;
      return undefined;
    };
    /** The function `a`, `ns.f`, `obj.method` or `this.method` names: `file#name`, through the imports. */
    const refOf = (expr: ts.Expression): string | undefined => {
      const names: string[] = [];
      let e = expr;
      while (ts.isPropertyAccessExpression(e)) {
        if (!ts.isIdentifier(e.name) || names.length === 3) return undefined;
        names.unshift(e.name.text);
        e = e.expression;
      }
      if (e.kind === SyntaxKind.ThisKeyword) return thisName !== undefined && names.length > 0 ? `${file}#${thisName}.${names.join('.')}` : undefined;
      return ts.isIdentifier(e) ? nameRef(e.text, names) : undefined;
    };
    const nameRef = (name: string, members: string[] = []): string | undefined => {
      const from = imported.get(name);
      if (!from) return `${file}#${[name, ...members].join('.')}`;
      if (from.name === '*') return members.length > 0 ? `${from.module}#${members.join('.')}` : undefined;
      return `${from.module}#${[from.name, ...members].join('.')}`;
    };
    const alias = (name: string, target: string | undefined) => {
      if (target !== undefined && target !== `${file}#${name}` && !aliases.has(`${file}#${name}`)) aliases.set(`${file}#${name}`, target);
    };
    /** A top-level value named `name`: a function of its own, an object or class whose members are, or another name. */
    const valueFunction = (name: string, value: ts.Expression): string | undefined => {
      const e = bare(value);
      if (ts.isObjectLiteralExpression(e) || ts.isClassExpression(e)) owners.set(e, name);
      else if (ts.isIdentifier(e) || ts.isPropertyAccessExpression(e)) alias(name, refOf(e));
      // `const orders = new OrdersController()`: `orders.list` is the class's method.
      else if (ts.isNewExpression(e)) alias(name, refOf(e.expression));
      else if (ts.isArrowFunction(e) || ts.isFunctionExpression(e) || ts.isCallExpression(e)) return `${file}#${name}`;
      return undefined;
    };
    /** The function `node` starts, if it is one this scan keeps apart; notes owners and aliases on the way. */
    const functionAt = (node: ts.Node): string | undefined => {
      switch (node.kind) {
        case SyntaxKind.ArrowFunction:
        case SyntaxKind.FunctionExpression:
          return inline.get(node);
        case SyntaxKind.FunctionDeclaration: {
          const f = node as ts.FunctionDeclaration;
          if (fn !== undefined || !f.body) return undefined;
          const name = f.name?.text;
          if (name === undefined) return isDefaultExport(f) ? `${file}#default` : undefined;
          topNames.add(name);
          if (isDefaultExport(f)) alias('default', `${file}#${name}`);
          return `${file}#${name}`;
        }
        case SyntaxKind.VariableDeclaration: {
          const v = node as ts.VariableDeclaration;
          if (fn !== undefined || !ts.isIdentifier(v.name)) return undefined;
          topNames.add(v.name.text);
          return v.initializer ? valueFunction(v.name.text, v.initializer) : undefined;
        }
        case SyntaxKind.ClassDeclaration: {
          const c = node as ts.ClassDeclaration;
          if (fn !== undefined) return undefined;
          const name = c.name?.text ?? (isDefaultExport(c) ? 'default' : undefined);
          if (name === undefined) return undefined;
          topNames.add(name);
          owners.set(c, name);
          if (c.name && isDefaultExport(c)) alias('default', `${file}#${name}`);
          return undefined;
        }
        case SyntaxKind.ExportAssignment:
          return fn === undefined ? valueFunction('default', (node as ts.ExportAssignment).expression) : undefined;
        case SyntaxKind.BinaryExpression: {
          // CommonJS: exports.list = fn; module.exports.list = fn; module.exports = { list: listOrders, add };
          const b = node as ts.BinaryExpression;
          if (fn !== undefined || b.operatorToken.kind !== SyntaxKind.EqualsToken) return undefined;
          const target = commonJsExport(b.left);
          if (target === undefined) return undefined;
          if (target !== '*') {
            topNames.add(target);
            return valueFunction(target, b.right);
          }
          const value = bare(b.right);
          if (!ts.isObjectLiteralExpression(value)) return valueFunction('default', b.right);
          for (const p of value.properties) {
            if (ts.isPropertyAssignment(p) && memberName(p.name) !== undefined) {
              const name = memberName(p.name)!;
              const v = bare(p.initializer);
              if (ts.isIdentifier(v) || ts.isPropertyAccessExpression(v)) {
                topNames.add(name);
                alias(name, refOf(v));
              }
            }
          }
          return undefined;
        }
        case SyntaxKind.MethodDeclaration:
        case SyntaxKind.GetAccessor:
        case SyntaxKind.SetAccessor:
        case SyntaxKind.PropertyDeclaration:
        case SyntaxKind.PropertyAssignment:
        case SyntaxKind.ShorthandPropertyAssignment: {
          const owner = owners.get(node.parent);
          const member = node as ts.MethodDeclaration | ts.PropertyDeclaration | ts.PropertyAssignment | ts.ShorthandPropertyAssignment;
          const name = owner === undefined ? undefined : memberName(member.name);
          if (name === undefined) return undefined;
          if (ts.isShorthandPropertyAssignment(member)) {
            alias(`${owner}.${name}`, nameRef(member.name.text));
            return undefined;
          }
          if (ts.isPropertyAssignment(member) || ts.isPropertyDeclaration(member)) return member.initializer ? valueFunction(`${owner}.${name}`, member.initializer) : undefined;
          return (member as ts.MethodDeclaration).body ? `${file}#${owner}.${name}` : undefined;
        }
        default:
          return undefined;
      }
    };
    /** The handler function a route names: `ns.f`, `f`, `wrap(f)`, or an inline function (the route's own). */
    const handlerKey = (arg: ts.Expression, route: string, line: number): string | undefined => {
      const e = bare(arg);
      if (ts.isArrowFunction(e) || ts.isFunctionExpression(e)) {
        const key = `${file}#${route}@${line}`;
        inline.set(e, key);
        return key;
      }
      if (ts.isIdentifier(e) || ts.isPropertyAccessExpression(e)) return refOf(e);
      if (!ts.isCallExpression(e)) return undefined;
      // `ctrl.list.bind(ctrl)` is `ctrl.list`; `asyncHandler(list)` is `list`; `makeHandler()` is what it returns.
      if (ts.isPropertyAccessExpression(e.expression) && e.expression.name.text === 'bind') return handlerKey(e.expression.expression, route, line);
      return e.arguments[0] ? handlerKey(e.arguments[0], route, line) : refOf(e.expression);
    };
    const addRoute = (route: string, handler: ts.Expression, node: ts.CallExpression) => {
      const r: CodeRoute = { route, module: file, handlerModule: handlerModule(handler), at: { file, line: lineOf(node) } };
      model.routes.push(r);
      const key = handlerKey(handler, route, r.at.line);
      if (key !== undefined) handlerKeys.set(r, key);
    };
    const visitNode = (node: ts.Node): void => {
      orm.visit(node);
      // NestJS: @Controller('users') class … { @Get(':id') find() {…} }, the handler being the decorated method.
      if (ts.isClassDeclaration(node) && node.name) {
        for (const r of decoratedRoutes(node)) {
          const route: CodeRoute = { route: r.route, module: file, handlerModule: file, at: { file, line: lineOf(r.method) } };
          model.routes.push(route);
          handlerKeys.set(route, `${file}#${node.name.text}.${r.name}`);
        }
      }
      if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
        const target = resolveImport(file, node.moduleSpecifier.text, fileSet);
        if (target) {
          model.imports.push({ from: file, to: target, at: { file, line: lineOf(node) } } satisfies ImportEdge);
          const clause = node.importClause;
          if (clause?.name) {
            bindings.set(clause.name.text, target);
            imported.set(clause.name.text, { module: target, name: 'default' });
          }
          const nb = clause?.namedBindings;
          if (nb && ts.isNamespaceImport(nb)) {
            bindings.set(nb.name.text, target);
            imported.set(nb.name.text, { module: target, name: '*' });
          }
          if (nb && ts.isNamedImports(nb)) {
            for (const el of nb.elements) {
              bindings.set(el.name.text, target);
              imported.set(el.name.text, { module: target, name: (el.propertyName ?? el.name).text });
            }
          }
        }
      } else if (ts.isExportDeclaration(node)) {
        const target = node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier) ? resolveImport(file, node.moduleSpecifier.text, fileSet) : undefined;
        if (target) model.imports.push({ from: file, to: target, at: { file, line: lineOf(node) } });
        const clause = node.exportClause;
        if (target && !clause) (starExports.get(file) ?? starExports.set(file, []).get(file)!).push(target);
        // `export { a as b }` and `export { a as b } from './x'`: b stands for a.
        if (clause && ts.isNamedExports(clause) && (target || !node.moduleSpecifier)) {
          for (const el of clause.elements) {
            const local = (el.propertyName ?? el.name).text;
            alias(el.name.text, target ? `${target}#${local}` : nameRef(local));
          }
        }
      } else if (ts.isVariableDeclaration(node) && node.initializer && requiredModule(node.initializer)) {
        // CommonJS: const ctrl = require('./ctrl'); const { list, add: create } = require('./ctrl');
        const target = resolveImport(file, requiredModule(node.initializer)!, fileSet);
        if (target) {
          model.imports.push({ from: file, to: target, at: { file, line: lineOf(node) } });
          if (ts.isIdentifier(node.name)) {
            bindings.set(node.name.text, target);
            imported.set(node.name.text, { module: target, name: '*' });
          } else if (ts.isObjectBindingPattern(node.name)) {
            for (const el of node.name.elements) {
              if (!ts.isIdentifier(el.name)) continue;
              const exported = el.propertyName && ts.isIdentifier(el.propertyName) ? el.propertyName.text : el.name.text;
              bindings.set(el.name.text, target);
              imported.set(el.name.text, { module: target, name: exported });
            }
          }
        }
        ts.forEachChild(node, visit);
        return;
      } else if (ts.isCallExpression(node)) {
        const callee = node.expression;
        const [a0, a1] = node.arguments;
        // Calls into other modules: imported functions, and namespace members.
        if (ts.isIdentifier(callee) && bindings.has(callee.text)) callTo(bindings.get(callee.text)!, node);
        if (ts.isPropertyAccessExpression(callee) && ts.isIdentifier(callee.expression) && bindings.has(callee.expression.text)) {
          callTo(bindings.get(callee.expression.text)!, node);
        }
        // Calls between functions: the callee, and functions passed along (`wrap(handler)`, `db.transaction(work)`).
        if (fn !== undefined) {
          const facts = functions.get(fn)!;
          const targets = (facts.calls ??= new Set());
          if (ts.isIdentifier(callee) || ts.isPropertyAccessExpression(callee)) {
            const to = refOf(callee);
            if (to !== undefined && to !== fn) targets.add(to);
          }
          for (const arg of node.arguments) {
            if (!ts.isIdentifier(arg) && !ts.isPropertyAccessExpression(arg)) continue;
            const to = refOf(arg);
            if (to !== undefined && to !== fn) targets.add(to);
          }
        }
        // knex('table'), db()('table'), trx('table as t')
        if (a0 && ts.isStringLiteralLike(a0) && isDbHandle(callee)) {
          const table = tableOf(a0.text);
          if (table) note(table, chainWrites(node) ? 'write' : 'read', node, 'knex');
        }
        // .from('t'), .join('t', ...), .into('t'), .table('t')
        if (ts.isPropertyAccessExpression(callee) && a0 && ts.isStringLiteralLike(a0) && TABLE_METHODS[callee.name.text]) {
          const table = tableOf(a0.text);
          const mode = TABLE_METHODS[callee.name.text]!;
          if (table && !SQL_START.test(a0.text)) note(table, mode === 'write' || (mode === 'chain' && chainWrites(node)) ? 'write' : 'read', node, 'knex');
        }
        // HTTP routes: router.get('/path', handler) or route('get', '/path', ..., handler)
        const method = ts.isPropertyAccessExpression(callee) ? callee.name.text : undefined;
        const last = node.arguments[node.arguments.length - 1];
        const handlerLike = last !== undefined && (ts.isIdentifier(last) || ts.isPropertyAccessExpression(last) || ts.isArrowFunction(last) || ts.isFunctionExpression(last) || ts.isCallExpression(last));
        if (method && HTTP_METHODS.has(method) && a0 && ts.isStringLiteralLike(a0) && a0.text.startsWith('/') && node.arguments.length >= 2 && handlerLike) {
          addRoute(`${method.toUpperCase()} ${a0.text}`, last!, node);
        } else if (a0 && a1 && ts.isStringLiteralLike(a0) && HTTP_METHODS.has(a0.text.toLowerCase()) && ts.isStringLiteralLike(a1) && a1.text.startsWith('/') && node.arguments.length >= 3 && handlerLike) {
          addRoute(`${a0.text.toUpperCase()} ${a1.text}`, last!, node);
        } else if (method && HTTP_METHODS.has(method) && handlerLike) {
          // express: router.route('/carts').get(list).post(add)
          const at = chainedRoutePath(callee as ts.PropertyAccessExpression);
          if (at) addRoute(`${method.toUpperCase()} ${at}`, last!, node);
        } else if (method === 'route' && a0 && ts.isObjectLiteralExpression(a0) && node.arguments.length === 1) {
          // fastify / hapi: server.route({ method: ['GET', 'HEAD'], url: '/items/:id', handler })
          const r = routeObject(a0);
          if (r) for (const m of r.methods) addRoute(`${m} ${r.path}`, r.handler, node);
        }
      }
      // Raw SQL anywhere in string and template literals.
      if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node) || ts.isTemplateExpression(node)) {
        const sql = sqlOf(node);
        if (sql) {
          try {
            const acc = extractTableAccess(sql);
            for (const t of acc.read) note(t, 'read', node, 'raw-sql');
            for (const t of acc.written) note(t, 'write', node, 'raw-sql');
          } catch {
            // A string that starts like SQL but is not: ignore.
          }
        }
        return;
      }
      ts.forEachChild(node, visit);
    };
    const visit = (node: ts.Node): void => {
      const key = functionAt(node);
      if (key === undefined) return visitNode(node);
      const [outer, outerThis] = [fn, thisName];
      fn = key;
      // `this` in a member is its class or object; in an inline handler, whatever it was around it.
      const dot = key.lastIndexOf('.');
      if (!inline.has(node)) thisName = dot > file.length ? key.slice(file.length + 1, dot) : undefined;
      if (!functions.has(key)) {
        functions.set(key, { at: { file, line: lineOf(node) } });
        fileFunctions.push(key);
      }
      fileSpans.push({ pos: node.pos, end: node.end, key });
      visitNode(node);
      [fn, thisName] = [outer, outerThis];
    };
    visit(sf);
    // Calls to local names that are not declared at the top of the file (parameters, locals, `res.json`) lead nowhere.
    const localPrefix = `${file}#`;
    for (const key of fileFunctions) {
      const targets = functions.get(key)!.calls;
      if (!targets) continue;
      for (const t of targets) {
        if (!t.startsWith(localPrefix)) continue;
        const rest = t.slice(localPrefix.length);
        const dot = rest.indexOf('.');
        if (!topNames.has(dot < 0 ? rest : rest.slice(0, dot))) targets.delete(t);
      }
      if (targets.size === 0) delete functions.get(key)!.calls;
    }
    const facts = orm.finish(bindings);
    if (facts) {
      ormFacts.push(facts);
      if (fileSpans.length > 0) spans.set(file, fileSpans);
    }
    done++;
    options.onProgress?.({ files: done, total: files.length });
  }
  // ORM uses, now that every entity, model and repository declared in any file is known; each counts for the
  // innermost function it is in.
  for (const a of resolveOrmAccess(ormFacts, prismaModels)) {
    addAccess(access, a.file, a.table, a.mode, a.line, a.via);
    let key: string | undefined;
    for (const s of spans.get(a.file) ?? []) if (s.pos <= a.pos && a.pos < s.end) key = s.key;
    if (key !== undefined) touch(functions.get(key)!, a.table, a.mode);
  }
  // Routes reach the modules their handler calls, a few steps deep.
  const out = new Map<string, Set<string>>();
  for (const e of [...calls.values()]) (out.get(e.from) ?? out.set(e.from, new Set()).get(e.from)!).add(e.to);
  for (const r of model.routes) {
    if (!r.handlerModule) continue;
    const seen = new Set<string>([r.handlerModule]);
    let frontier = [r.handlerModule];
    for (let depth = 0; depth < 3; depth++) {
      frontier = frontier.flatMap((m) => [...(out.get(m) ?? [])]).filter((m) => !seen.has(m));
      for (const m of frontier) seen.add(m);
    }
    r.reaches = [...seen].sort();
  }
  // Routes use the tables their handler function and the functions it calls touch.
  const resolve = functionResolver(functions, aliases, starExports);
  for (const r of model.routes) {
    const handler = resolve(handlerKeys.get(r) ?? '');
    if (handler === undefined) continue;
    r.handler = handler;
    r.handlerAt = functions.get(handler)!.at;
    r.tables = traceTables(handler, functions, resolve, TRACE_DEPTH);
  }
  model.calls = [...calls.values()].sort((a, b) => (a.from + a.to).localeCompare(b.from + b.to));
  model.tableAccess = [...access.values()].sort((a, b) => `${a.module}|${a.table}|${a.mode}`.localeCompare(`${b.module}|${b.table}|${b.mode}`));
  model.routes.sort((a, b) => a.route.localeCompare(b.route) || a.at.line - b.at.line);
  if (files.length === 0) model.warnings.push(`${options.root}: no TypeScript or JavaScript files found`);
  return model;
}

/**
 * Maps a name as code uses it (`file#name`) to a function the scan found, through aliases (`export default f`,
 * `export { f as g }`, `export { f } from './x'`, an object member set to a function) and `export * from`.
 */
function functionResolver(functions: ReadonlyMap<string, FunctionFacts>, aliases: ReadonlyMap<string, string>, starExports: ReadonlyMap<string, string[]>): (key: string) => string | undefined {
  const cache = new Map<string, string | undefined>();
  const resolve = (key: string): string | undefined => {
    if (cache.has(key)) return cache.get(key);
    cache.set(key, undefined); // an alias cycle resolves to nothing
    let found: string | undefined;
    const hash = key.indexOf('#');
    if (functions.has(key)) found = key;
    else if (aliases.has(key)) found = resolve(aliases.get(key)!);
    else if (hash > 0) {
      // `file#obj.f` where `file#obj` stands for another object (`export default admin`, an imported object).
      const dot = key.indexOf('.', hash);
      const head = dot > 0 ? aliases.get(key.slice(0, dot)) : undefined;
      if (head !== undefined) found = resolve(head + key.slice(dot));
      else for (const from of starExports.get(key.slice(0, hash)) ?? []) if ((found = resolve(from + key.slice(hash))) !== undefined) break;
    }
    cache.set(key, found);
    return found;
  };
  return resolve;
}

/** The tables `start` and the functions it calls, up to `depth` calls away, touch (each function counted once). */
function traceTables(start: string, functions: ReadonlyMap<string, FunctionFacts>, resolve: (key: string) => string | undefined, depth: number): RouteTable[] {
  const tables = new Map<string, RouteTable>();
  const seen = new Set([start]);
  let frontier = [start];
  for (let step = 0; frontier.length > 0; step++) {
    const next: string[] = [];
    for (const key of frontier) {
      const f = functions.get(key)!;
      for (const [table, use] of f.tables ?? []) {
        const t = tables.get(table) ?? { table, writes: false, count: 0 };
        t.count += use.reads + use.writes;
        t.writes ||= use.writes > 0;
        tables.set(table, t);
      }
      if (step === depth) continue;
      for (const call of f.calls ?? []) {
        const to = resolve(call);
        if (to !== undefined && !seen.has(to)) {
          seen.add(to);
          next.push(to);
        }
      }
    }
    frontier = next;
  }
  return [...tables.values()].sort((a, b) => a.table.localeCompare(b.table));
}
