/**
 * Step 2 of the code scan: the syntax facts of one file, from its text alone (plus the list of files, to resolve
 * relative imports). Pure: no I/O. The file is parsed once (the TypeScript parser, no program, no type checker)
 * and walked once; at each node the detectors that asked for its kind report routes, mounts and table accesses,
 * and the ORM collector notes entities and candidate uses. What needs other files is left as names
 * (`file#name`, owners of routes) for `resolve-model.ts`.
 *
 * Functions are kept apart by key (`file#name`): top-level functions, functions assigned to top-level constants,
 * methods of top-level classes and object literals, default exports, and inline route handlers
 * (`file#METHOD /path@line`).
 */
import path from 'node:path';
import ts from 'typescript';
import type { CallEdge, CodeTable, CodeTableAccess, ImportEdge, SourceRef } from '../types.ts';
import type { CodeDetector, DetectorContext, Mode, RouteFact } from './detectors/detector.ts';
import { ormCollector, type OrmFileFacts } from './orm-mappings.ts';
import { bare, commonJsExport, HTTP_METHODS, isDefaultExport, lastName, memberName, requiredModule, SyntaxKind } from './syntax.ts';

/** Calls a router chain is made of (`Router().get(…).post(…).use(…)`), and what starts one. */
const CHAIN_METHODS = new Set([...HTTP_METHODS, 'use', 'route', 'param', 'all']);
const ROUTER_FACTORY = /^(Router|KoaRouter|ExpressRouter)$/;

/** What one function does: where it is declared, the tables it touches, the functions it calls (`file#name`). */
export interface FunctionFacts {
  at: SourceRef;
  endLine: number;
  tables?: Map<string, { reads: number; writes: number }>;
  calls?: Set<string>;
  /** `file@pos` of the function node: its parameter `i` is the owner `file@pos#i`. */
  params?: string;
}

export interface RawRoute {
  method: string;
  path: string;
  owner: string | undefined;
  via: string;
  /** The handler as code names it (`file#name`), resolved once every file is scanned. */
  handlerKey?: string;
  handlerModule?: string;
  at: SourceRef;
}

export interface MountFact {
  owner: string | undefined;
  prefix: string;
  child: string;
  at: SourceRef;
}

export interface FileFacts {
  file: string;
  lines: number;
  imports: ImportEdge[];
  /** Calls from this module to others, per target module. */
  calls: CallEdge[];
  access: CodeTableAccess[];
  functions: Map<string, FunctionFacts>;
  /** Names that stand for another (`file#default` -> `file#rebuild`, a re-export, an object member set to a function). */
  aliases: Map<string, string>;
  /** `export * from './x'`: the files it re-exports. */
  starExports: string[];
  /** Function spans (pre-order, so a nested span comes after the one it is in), for ORM uses resolved later. */
  spans: { pos: number; end: number; key: string }[];
  orm?: OrmFileFacts;
  routes: RawRoute[];
  mounts: MountFact[];
  ownerPrefixes: [string, string][];
  globalPrefixes: string[];
  declaredTables: CodeTable[];
  /** Members injected by registered name (awilix `constructor({ productService })`), resolved across files. */
  injectedByName: { name: string; at: SourceRef }[];
  warnings: string[];
}

export interface FileInput {
  file: string;
  text: string;
  /** Every file of the scan (relative paths), to resolve relative imports. */
  files: ReadonlySet<string>;
  prismaDelegates: ReadonlySet<string>;
  detectors: readonly CodeDetector[];
}

export function resolveImport(from: string, spec: string, files: ReadonlySet<string>): string | undefined {
  if (!spec.startsWith('.')) return undefined;
  const base = path.posix.normalize(path.posix.join(path.posix.dirname(from), spec));
  const stem = base.replace(/\.(js|mjs|cjs|jsx)$/, '');
  const candidates = [base, `${stem}.ts`, `${stem}.tsx`, `${stem}.js`, `${stem}.mts`, `${base}.ts`, `${base}.js`, `${base}/index.ts`, `${base}/index.js`];
  return candidates.find((c) => files.has(c));
}

function touch(f: FunctionFacts, table: string, mode: Mode): void {
  const tables = (f.tables ??= new Map());
  const use = tables.get(table) ?? { reads: 0, writes: 0 };
  if (mode === 'write') use.writes++;
  else use.reads++;
  tables.set(table, use);
}

/** The function node a declaration's key stands for (`const f = () => …` -> the arrow). */
function functionNodeOf(node: ts.Node): ts.Node | undefined {
  let e: ts.Node | undefined = node;
  if (ts.isVariableDeclaration(node) || ts.isPropertyAssignment(node) || ts.isPropertyDeclaration(node)) e = node.initializer && bare(node.initializer);
  else if (ts.isExportAssignment(node)) e = bare(node.expression);
  else if (ts.isBinaryExpression(node)) e = bare(node.right);
  return e && ts.isFunctionLike(e) ? e : undefined;
}

const kindsOf = new WeakMap<readonly CodeDetector[], Map<ts.SyntaxKind, CodeDetector[]>>();
function byKind(detectors: readonly CodeDetector[]): Map<ts.SyntaxKind, CodeDetector[]> {
  let map = kindsOf.get(detectors);
  if (!map) {
    map = new Map();
    for (const d of detectors) for (const k of d.kinds) (map.get(k) ?? map.set(k, []).get(k)!).push(d);
    kindsOf.set(detectors, map);
  }
  return map;
}

export function scriptKind(file: string): ts.ScriptKind {
  return /\.(tsx|jsx)$/.test(file) ? ts.ScriptKind.TSX : /\.[cm]?js$/.test(file) ? ts.ScriptKind.JS : ts.ScriptKind.TS;
}

/** The facts of one file. */
export function fileFacts(input: FileInput): FileFacts {
  const { file, text, files } = input;
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, scriptKind(file));
  const facts: FileFacts = {
    file, lines: sf.getLineAndCharacterOfPosition(text.length).line + 1, imports: [], calls: [], access: [], functions: new Map(), aliases: new Map(),
    starExports: [], spans: [], routes: [], mounts: [], ownerPrefixes: [], globalPrefixes: [], declaredTables: [], injectedByName: [], warnings: [],
  };
  const diagnostics = (sf as unknown as { parseDiagnostics?: ts.Diagnostic[] }).parseDiagnostics ?? [];
  if (diagnostics.length > 0) {
    const d = diagnostics[0]!;
    const line = sf.getLineAndCharacterOfPosition(d.start ?? 0).line + 1;
    facts.warnings.push(`${file}:${line}: syntax error (${ts.flattenDiagnosticMessageText(d.messageText, ' ')}); scanned what could be parsed`);
  }
  new FileWalk(sf, input, facts).run();
  return facts;
}

/** One walk over one file's syntax tree; the state the detectors' context reads. */
class FileWalk {
  private readonly file: string;
  private readonly kinds: Map<ts.SyntaxKind, CodeDetector[]>;
  /** Local name -> module. */
  private readonly bindings = new Map<string, string>();
  /** Local name -> module and the name it exports (`*` for a namespace import, `default`). */
  private readonly imported = new Map<string, { module: string; name: string }>();
  /** The function being walked (`file#name`), and the class or object `this` stands for in it. */
  private fn: string | undefined;
  private thisName: string | undefined;
  /** Top-level classes and object literals -> their name (members become `file#Name.member`). */
  private readonly owners = new Map<ts.Node, string>();
  /** Class -> its constructor-injected members and their types (`constructor(private users: UsersService)`). */
  private readonly injected = new Map<string, Map<string, string>>();
  /** Inline route handlers -> their function name. */
  private readonly inline = new Map<ts.Node, string>();
  /** Names declared at the top of the file (a call to any other local name is not to one of its functions). */
  private readonly topNames = new Set<string>(['default']);
  private readonly fileFunctions: string[] = [];
  private readonly calls = new Map<string, CallEdge>();
  private readonly access = new Map<string, CodeTableAccess>();
  private readonly orm;
  private readonly ctx: DetectorContext;

  constructor(
    private readonly sf: ts.SourceFile,
    private readonly input: FileInput,
    private readonly facts: FileFacts,
  ) {
    this.file = input.file;
    this.kinds = byKind(input.detectors);
    this.orm = ormCollector(sf, input.file, input.prismaDelegates);
    this.ctx = this.context();
  }

  run(): void {
    this.visit(this.sf);
    this.dropLocalCalls();
    this.facts.calls = [...this.calls.values()];
    this.facts.access = [...this.access.values()];
    this.facts.orm = this.orm.finish(this.bindings);
    if (!this.facts.orm) this.facts.spans = [];
    this.addFileRoutes();
  }

  private lineOf(node: ts.Node): number {
    return this.sf.getLineAndCharacterOfPosition(node.getStart(this.sf)).line + 1;
  }

  private context(): DetectorContext {
    const self = this;
    const file = this.file;
    return {
      file,
      sourceFile: this.sf,
      lineOf: (node) => self.lineOf(node),
      table: (table, mode, node, via) => self.note(table, mode, node, via),
      declareTable: (table, node, via, entity) => self.facts.declaredTables.push({ table, via, at: { file, line: self.lineOf(node) }, ...(entity ? { entity } : {}) }),
      route: (r) => self.addRoute(r),
      mount: (owner, prefix, child, node) => {
        if (child !== undefined && child !== owner) self.facts.mounts.push({ owner, prefix, child, at: { file, line: self.lineOf(node) } });
      },
      ownerPrefix: (owner, prefix) => {
        if (owner !== undefined) self.facts.ownerPrefixes.push([owner, prefix]);
      },
      globalPrefix: (prefix) => self.facts.globalPrefixes.push(prefix),
      ownerOf: (expr) => self.ownerOf(expr),
      refOf: (expr) => self.refOf(expr),
      parameterOwner: (fn, index) => self.parameterOwner(fn, index),
      warn: (node, message) => self.facts.warnings.push(`${file}:${self.lineOf(node)}: ${message}`),
    };
  }

  private note(table: string, mode: Mode, node: ts.Node, via: string): void {
    const line = this.lineOf(node);
    const key = `${table}|${mode}`;
    const a = this.access.get(key);
    if (!a) this.access.set(key, { module: this.file, table, mode, count: 1, at: { file: this.file, line }, via });
    else {
      a.count++;
      if (line < a.at.line) Object.assign(a, { at: { file: this.file, line }, via });
    }
    if (this.fn !== undefined) touch(this.facts.functions.get(this.fn)!, table, mode);
  }

  private callTo(target: string, node: ts.Node): void {
    if (target === this.file) return;
    const edge = this.calls.get(target) ?? { from: this.file, to: target, count: 0, at: { file: this.file, line: this.lineOf(node) } };
    edge.count++;
    this.calls.set(target, edge);
  }

  private handlerModule(arg: ts.Expression): string | undefined {
    if (ts.isIdentifier(arg)) return this.bindings.get(arg.text) ?? this.file;
    if (ts.isPropertyAccessExpression(arg)) {
      let head: ts.Expression = arg;
      while (ts.isPropertyAccessExpression(head)) head = head.expression;
      if (ts.isIdentifier(head)) return this.bindings.get(head.text);
      if (head.kind === SyntaxKind.ThisKeyword) return this.file;
    }
    if (ts.isCallExpression(arg)) {
      const required = requiredModule(arg);
      if (required) return resolveImport(this.file, required, this.input.files);
      return this.handlerModule(arg.arguments[0] ?? arg.expression);
    }
    if (ts.isPropertyAccessExpression(arg) && requiredModule(arg)) return resolveImport(this.file, requiredModule(arg)!, this.input.files);
    if (ts.isArrowFunction(arg) || ts.isFunctionExpression(arg)) return this.file;
    return undefined;
  }

  /** The function `a`, `ns.f`, `obj.method`, `this.method` or `require('./x').f` names: `file#name`, through the imports. */
  refOf(expr: ts.Expression): string | undefined {
    const names: string[] = [];
    let e = expr;
    while (ts.isPropertyAccessExpression(e)) {
      if (!ts.isIdentifier(e.name) || names.length === 3) return undefined;
      names.unshift(e.name.text);
      e = e.expression;
    }
    if (e.kind === SyntaxKind.ThisKeyword) return this.thisName !== undefined && names.length > 0 ? `${this.file}#${this.thisName}.${names.join('.')}` : undefined;
    if (ts.isCallExpression(e)) {
      const required = requiredModule(e);
      const target = required ? resolveImport(this.file, required, this.input.files) : undefined;
      return target ? `${target}#${names.length > 0 ? names.join('.') : 'default'}` : undefined;
    }
    return ts.isIdentifier(e) ? this.nameRef(e.text, names) : undefined;
  }

  private nameRef(name: string, members: string[] = []): string | undefined {
    const from = this.imported.get(name);
    if (!from) return `${this.file}#${[name, ...members].join('.')}`;
    if (from.name === '*') return members.length > 0 ? `${from.module}#${members.join('.')}` : `${from.module}#default`;
    return `${from.module}#${[from.name, ...members].join('.')}`;
  }

  /** The router or app an expression stands for: a parameter of the function it is in, else the name it refers to. */
  private ownerOf(expr: ts.Expression): string | undefined {
    const e = bare(expr);
    if (ts.isIdentifier(e)) {
      for (let p: ts.Node | undefined = e.parent; p; p = p.parent) {
        if (!ts.isFunctionLike(p)) continue;
        const index = p.parameters.findIndex((x) => ts.isIdentifier(x.name) && x.name.text === e.text);
        if (index >= 0) return `${this.file}@${p.pos}#${index}`;
      }
    }
    const chained = ts.isCallExpression(e) ? this.routerChainOwner(e) : undefined;
    if (chained !== undefined) return chained;
    if (ts.isIdentifier(e) || ts.isPropertyAccessExpression(e) || ts.isCallExpression(e)) return this.refOf(e);
    return undefined;
  }

  /**
   * `module.exports = Router().get('/a', h).use(sub)`: every call of the chain registers on the router the chain
   * starts with, known by what the whole chain is given to (a variable, `module.exports`, `export default`).
   */
  private routerChainOwner(call: ts.CallExpression): string | undefined {
    let base: ts.Expression = call;
    while (ts.isCallExpression(base) && ts.isPropertyAccessExpression(base.expression) && CHAIN_METHODS.has(base.expression.name.text)) base = base.expression.expression;
    if (!(ts.isCallExpression(base) || ts.isNewExpression(base)) || !ROUTER_FACTORY.test(lastName(base.expression) ?? '')) return undefined;
    let top: ts.Node = call;
    while (ts.isPropertyAccessExpression(top.parent) && ts.isCallExpression(top.parent.parent) && top.parent.parent.expression === top.parent && CHAIN_METHODS.has(top.parent.name.text)) top = top.parent.parent;
    const holder = top.parent;
    if (ts.isVariableDeclaration(holder) && ts.isIdentifier(holder.name)) return this.refOf(holder.name);
    if (ts.isExportAssignment(holder)) return `${this.file}#default`;
    if (ts.isBinaryExpression(holder) && holder.right === top && holder.operatorToken.kind === SyntaxKind.EqualsToken) {
      const target = commonJsExport(holder.left);
      if (target !== undefined) return `${this.file}#${target === '*' ? 'default' : target}`;
    }
    return undefined;
  }

  private parameterOwner(fn: ts.Expression, index: number): string | undefined {
    const e = bare(fn);
    if (ts.isArrowFunction(e) || ts.isFunctionExpression(e)) return `${this.file}@${e.pos}#${index}`;
    const ref = ts.isIdentifier(e) || ts.isPropertyAccessExpression(e) || ts.isCallExpression(e) ? this.refOf(e) : undefined;
    return ref === undefined ? undefined : `fn:${ref}#${index}`;
  }

  private alias(name: string, target: string | undefined): void {
    const key = `${this.file}#${name}`;
    if (target !== undefined && target !== key && !this.facts.aliases.has(key)) this.facts.aliases.set(key, target);
  }

  /** A top-level value named `name`: a function of its own, an object or class whose members are, or another name. */
  private valueFunction(name: string, value: ts.Expression): string | undefined {
    const e = bare(value);
    if (ts.isObjectLiteralExpression(e) || ts.isClassExpression(e)) this.owners.set(e, name);
    else if (ts.isIdentifier(e) || ts.isPropertyAccessExpression(e)) this.alias(name, this.refOf(e));
    // `const orders = new OrdersController()`: `orders.list` is the class's method.
    else if (ts.isNewExpression(e)) this.alias(name, this.refOf(e.expression));
    else if (requiredModule(e)) this.alias(name, this.refOf(e));
    else if (ts.isArrowFunction(e) || ts.isFunctionExpression(e) || ts.isCallExpression(e)) return `${this.file}#${name}`;
    return undefined;
  }

  /** The function `node` starts, if it is one this scan keeps apart; notes owners and aliases on the way. */
  private functionAt(node: ts.Node): string | undefined {
    const file = this.file;
    switch (node.kind) {
      case SyntaxKind.ArrowFunction:
      case SyntaxKind.FunctionExpression:
        return this.inline.get(node);
      case SyntaxKind.FunctionDeclaration: {
        const f = node as ts.FunctionDeclaration;
        if (this.fn !== undefined || !f.body) return undefined;
        const name = f.name?.text;
        if (name === undefined) return isDefaultExport(f) ? `${file}#default` : undefined;
        this.topNames.add(name);
        if (isDefaultExport(f)) this.alias('default', `${file}#${name}`);
        return `${file}#${name}`;
      }
      case SyntaxKind.VariableDeclaration: {
        const v = node as ts.VariableDeclaration;
        if (this.fn !== undefined || !ts.isIdentifier(v.name)) return undefined;
        this.topNames.add(v.name.text);
        return v.initializer ? this.valueFunction(v.name.text, v.initializer) : undefined;
      }
      case SyntaxKind.ClassDeclaration: {
        const c = node as ts.ClassDeclaration;
        if (this.fn !== undefined) return undefined;
        const name = c.name?.text ?? (isDefaultExport(c) ? 'default' : undefined);
        if (name === undefined) return undefined;
        this.topNames.add(name);
        this.owners.set(c, name);
        if (c.name && isDefaultExport(c)) this.alias('default', `${file}#${name}`);
        return undefined;
      }
      case SyntaxKind.ExportAssignment:
        return this.fn === undefined ? this.valueFunction('default', (node as ts.ExportAssignment).expression) : undefined;
      case SyntaxKind.BinaryExpression:
        return this.fn === undefined ? this.commonJsFunction(node as ts.BinaryExpression) : undefined;
      case SyntaxKind.MethodDeclaration:
      case SyntaxKind.GetAccessor:
      case SyntaxKind.SetAccessor:
      case SyntaxKind.PropertyDeclaration:
      case SyntaxKind.PropertyAssignment:
      case SyntaxKind.ShorthandPropertyAssignment:
        return this.memberFunction(node as ts.MethodDeclaration | ts.PropertyDeclaration | ts.PropertyAssignment | ts.ShorthandPropertyAssignment);
      default:
        return undefined;
    }
  }

  /** CommonJS: exports.list = fn; module.exports.list = fn; module.exports = { list: listOrders, add }. */
  private commonJsFunction(b: ts.BinaryExpression): string | undefined {
    if (b.operatorToken.kind !== SyntaxKind.EqualsToken) return undefined;
    const target = commonJsExport(b.left);
    if (target === undefined) return undefined;
    if (target !== '*') {
      this.topNames.add(target);
      return this.valueFunction(target, b.right);
    }
    const value = bare(b.right);
    if (!ts.isObjectLiteralExpression(value)) return this.valueFunction('default', b.right);
    // `module.exports = { async list() {…}, add: function () {…} }`: its members are `default.list`…
    this.owners.set(value, 'default');
    for (const p of value.properties) {
      if (ts.isPropertyAssignment(p) && memberName(p.name) !== undefined) {
        const name = memberName(p.name)!;
        const v = bare(p.initializer);
        if (ts.isIdentifier(v) || ts.isPropertyAccessExpression(v)) {
          this.topNames.add(name);
          this.alias(name, this.refOf(v));
        }
      }
    }
    return undefined;
  }

  private memberFunction(member: ts.MethodDeclaration | ts.PropertyDeclaration | ts.PropertyAssignment | ts.ShorthandPropertyAssignment): string | undefined {
    const owner = this.owners.get(member.parent);
    const name = owner === undefined ? undefined : memberName(member.name);
    if (name === undefined) return undefined;
    if (ts.isShorthandPropertyAssignment(member)) {
      this.alias(`${owner}.${name}`, this.nameRef(member.name.text));
      return undefined;
    }
    if (ts.isPropertyAssignment(member) || ts.isPropertyDeclaration(member)) return member.initializer ? this.valueFunction(`${owner}.${name}`, member.initializer) : undefined;
    return (member as ts.MethodDeclaration).body ? `${this.file}#${owner}.${name}` : undefined;
  }

  /** The handler function a route names: `ns.f`, `f`, `wrap(f)`, or an inline function (the route's own). */
  private handlerKey(arg: ts.Expression, route: string, line: number): string | undefined {
    const e = bare(arg);
    if (ts.isArrowFunction(e) || ts.isFunctionExpression(e)) {
      const key = `${this.file}#${route}@${line}`;
      this.inline.set(e, key);
      return key;
    }
    if (ts.isIdentifier(e) || ts.isPropertyAccessExpression(e)) return this.refOf(e);
    if (!ts.isCallExpression(e)) return undefined;
    if (requiredModule(e)) return this.refOf(e);
    // `ctrl.list.bind(ctrl)` is `ctrl.list`; `asyncHandler(list)` is `list`; `makeHandler()` is what it returns.
    if (ts.isPropertyAccessExpression(e.expression) && e.expression.name.text === 'bind') return this.handlerKey(e.expression.expression, route, line);
    return e.arguments[0] ? this.handlerKey(e.arguments[0], route, line) : this.refOf(e.expression);
  }

  private addRoute(r: RouteFact): void {
    // `Router().get('/a', h).post('/b', h)`: a chained registration is at its method's name, not the chain's start.
    const where = ts.isCallExpression(r.node) && ts.isPropertyAccessExpression(r.node.expression) ? r.node.expression.name : r.node;
    const at = { file: this.file, line: this.lineOf(where) };
    const route = `${r.method} ${r.path}`;
    if ('key' in r.handler) {
      this.facts.routes.push({ method: r.method, path: r.path, owner: r.owner, via: r.via, handlerKey: r.handler.key, handlerModule: this.file, at });
      return;
    }
    const handlerKey = this.handlerKey(r.handler, route, at.line);
    this.facts.routes.push({ method: r.method, path: r.path, owner: r.owner, via: r.via, handlerKey, handlerModule: this.handlerModule(r.handler), at });
  }

  /** Routes declared by the file's place in the tree (Next.js). */
  private addFileRoutes(): void {
    for (const d of this.input.detectors) {
      const found = d.fileRoutes?.(this.file);
      if (!found) continue;
      for (const [method, name] of Object.entries(found.exports)) {
        const key = `${this.file}#${name}`;
        if (name !== 'default' && !this.facts.functions.has(key) && !this.facts.aliases.has(key)) continue;
        const fnAt = this.facts.functions.get(key)?.at;
        this.facts.routes.push({ method, path: found.path, owner: undefined, via: d.name, handlerKey: key, handlerModule: this.file, at: fnAt ?? { file: this.file, line: 1 } });
      }
    }
  }

  private visitImport(node: ts.ImportDeclaration): void {
    const target = resolveImport(this.file, (node.moduleSpecifier as ts.StringLiteral).text, this.input.files);
    if (!target) return;
    this.facts.imports.push({ from: this.file, to: target, at: { file: this.file, line: this.lineOf(node) } });
    const clause = node.importClause;
    if (clause?.name) {
      this.bindings.set(clause.name.text, target);
      this.imported.set(clause.name.text, { module: target, name: 'default' });
    }
    const nb = clause?.namedBindings;
    if (nb && ts.isNamespaceImport(nb)) {
      this.bindings.set(nb.name.text, target);
      this.imported.set(nb.name.text, { module: target, name: '*' });
    }
    if (nb && ts.isNamedImports(nb)) {
      for (const el of nb.elements) {
        this.bindings.set(el.name.text, target);
        this.imported.set(el.name.text, { module: target, name: (el.propertyName ?? el.name).text });
      }
    }
  }

  private visitExport(node: ts.ExportDeclaration): void {
    const target = node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier) ? resolveImport(this.file, node.moduleSpecifier.text, this.input.files) : undefined;
    if (target) this.facts.imports.push({ from: this.file, to: target, at: { file: this.file, line: this.lineOf(node) } });
    const clause = node.exportClause;
    if (target && !clause) this.facts.starExports.push(target);
    // `export { a as b }` and `export { a as b } from './x'`: b stands for a.
    if (clause && ts.isNamedExports(clause) && (target || !node.moduleSpecifier)) {
      for (const el of clause.elements) {
        const local = (el.propertyName ?? el.name).text;
        this.alias(el.name.text, target ? `${target}#${local}` : this.nameRef(local));
      }
    }
  }

  /** CommonJS: const ctrl = require('./ctrl'); const { list, add: create } = require('./ctrl'). */
  private visitRequire(node: ts.VariableDeclaration, spec: string): void {
    const target = resolveImport(this.file, spec, this.input.files);
    if (!target) return;
    this.facts.imports.push({ from: this.file, to: target, at: { file: this.file, line: this.lineOf(node) } });
    // `require('./x').default` / `require('./x').profiles`: one export of the module.
    const member = ts.isPropertyAccessExpression(node.initializer!) ? node.initializer.name.text : undefined;
    if (ts.isIdentifier(node.name)) {
      this.bindings.set(node.name.text, target);
      this.imported.set(node.name.text, { module: target, name: member ?? '*' });
    } else if (ts.isObjectBindingPattern(node.name)) {
      for (const el of node.name.elements) {
        if (!ts.isIdentifier(el.name)) continue;
        const exported = el.propertyName && ts.isIdentifier(el.propertyName) ? el.propertyName.text : el.name.text;
        this.bindings.set(el.name.text, target);
        this.imported.set(el.name.text, { module: target, name: exported });
      }
    }
  }

  /** Calls into other modules, and calls between functions (`wrap(handler)`, `db.transaction(work)` pass one along). */
  /**
   * Dependency injection by type (NestJS, and any constructor parameter property): `constructor(private readonly
   * users: UsersService)` makes `this.users.find()` a call to `UsersService.find` of the module it is imported from.
   */
  private noteInjected(node: ts.ClassDeclaration): void {
    this.noteNamingStrategy(node);
    const ctor = node.name && node.members.find(ts.isConstructorDeclaration);
    if (!ctor) return;
    const members = new Map<string, string>();
    this.noteInjectedByName(ctor, members);
    for (const p of ctor.parameters) {
      if (!ts.isParameterPropertyDeclaration(p, ctor) || !ts.isIdentifier(p.name) || !p.type || !ts.isTypeReferenceNode(p.type) || !ts.isIdentifier(p.type.typeName)) continue;
      members.set(p.name.text, p.type.typeName.text);
    }
    if (members.size > 0) this.injected.set(node.name!.text, members);
  }

  /**
   * A TypeORM naming strategy of the project's own that names tables (`class X extends DefaultNamingStrategy {
   * tableName() {…} }`): it runs only at run time, so default-named entities' tables may not be the snake_case
   * names the scan gives them. Said once, where it is declared; never guessed.
   */
  private noteNamingStrategy(node: ts.ClassDeclaration): void {
    const heritage = node.heritageClauses?.flatMap((h) => h.types.map((t) => lastName(t.expression))) ?? [];
    if (!heritage.some((n) => n !== undefined && /NamingStrategy(Interface)?$/.test(n))) return;
    const names = node.members.filter((m) => m.name && ts.isIdentifier(m.name) && (m.name.text === 'tableName' || m.name.text === 'joinTableName'));
    if (names.length === 0) return;
    const which = names.map((m) => (m.name as ts.Identifier).text).join(', ');
    this.facts.warnings.push(`${this.file}:${this.lineOf(node)}: TypeORM naming strategy ${node.name?.text ?? '(anonymous)'} overrides ${which}: tables of entities without an explicit name may differ from the snake_case names reported; give them @Entity('name') or check with --schema`);
  }

  /**
   * awilix-style injection: `constructor({ productService, cartRepository }) { this.productService = productService }`
   * (also `this._productService`): the member stands for what is registered under that name, `di:productService`.
   */
  private noteInjectedByName(ctor: ts.ConstructorDeclaration, members: Map<string, string>): void {
    const [first] = ctor.parameters;
    if (!first || !ts.isObjectBindingPattern(first.name) || !ctor.body) return;
    const names = new Set(first.name.elements.flatMap((e) => (ts.isIdentifier(e.name) && !e.dotDotDotToken ? [(e.propertyName && ts.isIdentifier(e.propertyName) ? e.propertyName : e.name).text] : [])));
    for (const st of ctor.body.statements) {
      if (!ts.isExpressionStatement(st) || !ts.isBinaryExpression(st.expression) || st.expression.operatorToken.kind !== SyntaxKind.EqualsToken) continue;
      const { left, right } = st.expression;
      if (!ts.isPropertyAccessExpression(left) || left.expression.kind !== SyntaxKind.ThisKeyword || !ts.isIdentifier(right) || !names.has(right.text)) continue;
      members.set(left.name.text, `di:${right.text}`);
      this.facts.injectedByName.push({ name: right.text, at: { file: this.file, line: this.lineOf(st) } });
    }
  }

  /** `this.users.find` where `users` is injected: the injected class's name and the method called. */
  private injectedCall(callee: ts.Expression): { type: string; method: string } | undefined {
    if (!ts.isPropertyAccessExpression(callee) || !ts.isPropertyAccessExpression(callee.expression) || callee.expression.expression.kind !== SyntaxKind.ThisKeyword) return undefined;
    const type = this.thisName === undefined ? undefined : this.injected.get(this.thisName)?.get(callee.expression.name.text);
    return type ? { type, method: callee.name.text } : undefined;
  }

  private visitCall(node: ts.CallExpression): void {
    const callee = node.expression;
    const injected = this.injectedCall(callee);
    if (injected && this.bindings.has(injected.type)) this.callTo(this.bindings.get(injected.type)!, node);
    if (injected && this.fn !== undefined) {
      const to = injected.type.startsWith('di:') ? `${injected.type}.${injected.method}` : this.nameRef(injected.type, [injected.method]);
      if (to !== undefined) (this.facts.functions.get(this.fn)!.calls ??= new Set()).add(to);
      return;
    }
    if (ts.isIdentifier(callee) && this.bindings.has(callee.text)) this.callTo(this.bindings.get(callee.text)!, node);
    if (ts.isPropertyAccessExpression(callee) && ts.isIdentifier(callee.expression) && this.bindings.has(callee.expression.text)) {
      this.callTo(this.bindings.get(callee.expression.text)!, node);
    }
    if (this.fn === undefined) return;
    const targets = (this.facts.functions.get(this.fn)!.calls ??= new Set());
    if (ts.isIdentifier(callee) || ts.isPropertyAccessExpression(callee)) {
      const to = this.refOf(callee);
      if (to !== undefined && to !== this.fn) targets.add(to);
    }
    for (const arg of node.arguments) {
      if (!ts.isIdentifier(arg) && !ts.isPropertyAccessExpression(arg)) continue;
      const to = this.refOf(arg);
      if (to !== undefined && to !== this.fn) targets.add(to);
    }
  }

  private visitNode(node: ts.Node): void {
    this.orm.visit(node);
    for (const d of this.kinds.get(node.kind) ?? []) d.visit(node, this.ctx);
    const kind = node.kind;
    if (kind === SyntaxKind.ImportDeclaration && ts.isStringLiteral((node as ts.ImportDeclaration).moduleSpecifier)) this.visitImport(node as ts.ImportDeclaration);
    else if (kind === SyntaxKind.ExportDeclaration) this.visitExport(node as ts.ExportDeclaration);
    else if (kind === SyntaxKind.VariableDeclaration && (node as ts.VariableDeclaration).initializer && requiredModule((node as ts.VariableDeclaration).initializer!)) {
      this.visitRequire(node as ts.VariableDeclaration, requiredModule((node as ts.VariableDeclaration).initializer!)!);
    } else if (kind === SyntaxKind.CallExpression) this.visitCall(node as ts.CallExpression);
    else if (kind === SyntaxKind.ClassDeclaration) this.noteInjected(node as ts.ClassDeclaration);
    // Strings are leaves for this scan (raw SQL detectors read them whole).
    if (kind === SyntaxKind.StringLiteral || kind === SyntaxKind.NoSubstitutionTemplateLiteral || kind === SyntaxKind.TemplateExpression) return;
    ts.forEachChild(node, (child) => this.visit(child));
  }

  private visit(node: ts.Node): void {
    const key = this.functionAt(node);
    if (key === undefined) return this.visitNode(node);
    const [outer, outerThis] = [this.fn, this.thisName];
    this.fn = key;
    // `this` in a member is its class or object; in an inline handler, whatever it was around it.
    const dot = key.lastIndexOf('.');
    if (!this.inline.has(node)) this.thisName = dot > this.file.length ? key.slice(this.file.length + 1, dot) : undefined;
    if (!this.facts.functions.has(key)) {
      const fnNode = functionNodeOf(node);
      const endLine = this.sf.getLineAndCharacterOfPosition(node.end).line + 1;
      this.facts.functions.set(key, { at: { file: this.file, line: this.lineOf(node) }, endLine, ...(fnNode ? { params: `${this.file}@${fnNode.pos}` } : {}) });
      this.fileFunctions.push(key);
    }
    this.facts.spans.push({ pos: node.pos, end: node.end, key });
    this.visitNode(node);
    [this.fn, this.thisName] = [outer, outerThis];
  }

  /** Calls to local names that are not declared at the top of the file (parameters, locals, `res.json`) lead nowhere. */
  private dropLocalCalls(): void {
    const localPrefix = `${this.file}#`;
    for (const key of this.fileFunctions) {
      const f = this.facts.functions.get(key)!;
      if (!f.calls) continue;
      for (const t of f.calls) {
        if (!t.startsWith(localPrefix)) continue;
        const rest = t.slice(localPrefix.length);
        const dot = rest.indexOf('.');
        if (!this.topNames.has(dot < 0 ? rest : rest.slice(0, dot))) f.calls.delete(t);
      }
      if (f.calls.size === 0) delete f.calls;
    }
  }
}
