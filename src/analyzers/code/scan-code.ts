/**
 * Code signals of a TypeScript/JavaScript monolith, from syntax alone (the TypeScript parser; no type checking,
 * no program, one file at a time, so memory stays flat in code size): imports, calls between modules, which
 * module touches which table (knex builders, raw SQL parsed with libpg-query, and TypeORM, Sequelize and Prisma
 * entities: orm-mappings.ts) and the HTTP routes with their handlers.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import ts from 'typescript';
import { UsageError } from '../../errors.ts';
import { extractTableAccess, initSqlParser } from '../sql/extract-tables.ts';
import type { CallEdge, CodeModel, CodeRoute, CodeTableAccess, ImportEdge } from '../types.ts';
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
  let done = 0;
  for (const file of files) {
    const text = await readFile(path.join(root, file), 'utf8');
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
    /** Local name -> [module, exported name ('*' for a namespace)]. */
    const bindings = new Map<string, string>();
    const note = (table: string, mode: 'read' | 'write', node: ts.Node, via: string) => addAccess(access, file, table, mode, lineOf(node), via);
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
    const visit = (node: ts.Node): void => {
      orm.visit(node);
      if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
        const target = resolveImport(file, node.moduleSpecifier.text, fileSet);
        if (target) {
          model.imports.push({ from: file, to: target, at: { file, line: lineOf(node) } } satisfies ImportEdge);
          const clause = node.importClause;
          if (clause?.name) bindings.set(clause.name.text, target);
          const nb = clause?.namedBindings;
          if (nb && ts.isNamespaceImport(nb)) bindings.set(nb.name.text, target);
          if (nb && ts.isNamedImports(nb)) for (const el of nb.elements) bindings.set(el.name.text, target);
        }
      } else if (ts.isExportDeclaration(node) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
        const target = resolveImport(file, node.moduleSpecifier.text, fileSet);
        if (target) model.imports.push({ from: file, to: target, at: { file, line: lineOf(node) } });
      } else if (ts.isCallExpression(node)) {
        const callee = node.expression;
        const [a0, a1] = node.arguments;
        // Calls into other modules: imported functions, and namespace members.
        if (ts.isIdentifier(callee) && bindings.has(callee.text)) callTo(bindings.get(callee.text)!, node);
        if (ts.isPropertyAccessExpression(callee) && ts.isIdentifier(callee.expression) && bindings.has(callee.expression.text)) {
          callTo(bindings.get(callee.expression.text)!, node);
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
          const handler = last!;
          model.routes.push({ route: `${method.toUpperCase()} ${a0.text}`, module: file, handlerModule: handlerModule(handler), at: { file, line: lineOf(node) } } satisfies CodeRoute);
        } else if (a0 && a1 && ts.isStringLiteralLike(a0) && HTTP_METHODS.has(a0.text.toLowerCase()) && ts.isStringLiteralLike(a1) && a1.text.startsWith('/') && node.arguments.length >= 3 && handlerLike) {
          const handler = last!;
          model.routes.push({ route: `${a0.text.toUpperCase()} ${a1.text}`, module: file, handlerModule: handlerModule(handler), at: { file, line: lineOf(node) } });
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
    visit(sf);
    const facts = orm.finish(bindings);
    if (facts) ormFacts.push(facts);
    done++;
    options.onProgress?.({ files: done, total: files.length });
  }
  // ORM uses, now that every entity, model and repository declared in any file is known.
  for (const a of resolveOrmAccess(ormFacts, prismaModels)) addAccess(access, a.file, a.table, a.mode, a.line, a.via);
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
  model.calls = [...calls.values()].sort((a, b) => (a.from + a.to).localeCompare(b.from + b.to));
  model.tableAccess = [...access.values()].sort((a, b) => `${a.module}|${a.table}|${a.mode}`.localeCompare(`${b.module}|${b.table}|${b.mode}`));
  model.routes.sort((a, b) => a.route.localeCompare(b.route) || a.at.line - b.at.line);
  if (files.length === 0) model.warnings.push(`${options.root}: no TypeScript or JavaScript files found`);
  return model;
}
