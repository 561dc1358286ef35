/**
 * Step 3 of the code scan: the files' facts put together. Names left by each file (`file#name`, routers, ORM
 * classes) are resolved across files: re-exports and aliases, the prefixes routers are mounted under (however
 * deep, and through functions that register routes on their parameter), the handler of each route, the ORM
 * uses' tables, and the tables each route's handler reaches through its calls.
 */
import type { CallEdge, CodeFunction, CodeModel, CodeRoute, CodeTable, CodeTableAccess, RouteTable } from '../types.ts';
import type { FileFacts, FunctionFacts, MountFact } from './file-facts.ts';
import { declaredOrmTables, resolveOrmAccess, type PrismaModel } from './orm-mappings.ts';
import { joinPaths } from './syntax.ts';

/** Calls followed from a route's handler when collecting the tables it uses. */
export const TRACE_DEPTH = 4;
/** A router mounted in more places than this is listed under the first ones only. */
const MAX_PREFIXES = 16;

interface Merged {
  functions: Map<string, FunctionFacts>;
  aliases: Map<string, string>;
  starExports: Map<string, string[]>;
}

export function resolveModel(root: string, facts: readonly FileFacts[], prisma: readonly PrismaModel[], warnings: string[]): CodeModel {
  const merged: Merged = { functions: new Map(), aliases: new Map(), starExports: new Map() };
  const access = new Map<string, CodeTableAccess>();
  for (const f of facts) {
    for (const [k, v] of f.functions) merged.functions.set(k, v);
    for (const [k, v] of f.aliases) if (!merged.aliases.has(k)) merged.aliases.set(k, v);
    if (f.starExports.length > 0) merged.starExports.set(f.file, f.starExports);
    for (const a of f.access) access.set(`${a.module}|${a.table}|${a.mode}`, a);
  }
  const calls: CallEdge[] = facts.flatMap((f) => f.calls);
  resolveInjectedByName(facts, merged.functions, calls);
  const resolve = functionResolver(merged);
  addOrmAccess(facts, prisma, access, merged.functions);
  const routes = resolveRoutes(facts, merged, resolve, calls);
  return {
    root,
    modules: facts.map((f) => ({ path: f.file, lines: f.lines })),
    imports: facts.flatMap((f) => f.imports),
    calls: calls.sort((a, b) => (a.from + a.to).localeCompare(b.from + b.to)),
    tableAccess: [...access.values()].sort((a, b) => `${a.module}|${a.table}|${a.mode}`.localeCompare(`${b.module}|${b.table}|${b.mode}`)),
    routes,
    functions: listFunctions(merged.functions, resolve),
    tables: declaredTables(facts, prisma),
    warnings: [...warnings, ...facts.flatMap((f) => f.warnings)],
  };
}

/**
 * Members injected by registered name (`di:productService.list`, awilix-style) are calls to the class registered
 * under it, by awilix's default naming: the class whose camelCase name it is (`ProductService`). A name that no
 * class, or more than one, answers to stays unresolved.
 */
function resolveInjectedByName(facts: readonly FileFacts[], functions: Map<string, FunctionFacts>, calls: CallEdge[]): void {
  if (!facts.some((f) => f.injectedByName.length > 0)) return;
  const classes = new Map<string, string | null>();
  for (const key of functions.keys()) {
    const m = /^(.*)#([A-Z]\w*)\.\w+$/.exec(key);
    if (!m) continue;
    const registered = m[2]!.charAt(0).toLowerCase() + m[2]!.slice(1);
    const owner = `${m[1]}#${m[2]}`;
    const seen = classes.get(registered);
    classes.set(registered, seen === undefined || seen === owner ? owner : null);
  }
  const edges = new Map(calls.map((c) => [`${c.from}|${c.to}`, c]));
  for (const f of facts) {
    for (const inj of f.injectedByName) {
      const owner = classes.get(inj.name);
      const to = owner ? owner.slice(0, owner.indexOf('#')) : undefined;
      if (!to || to === f.file) continue;
      const edge = edges.get(`${f.file}|${to}`);
      if (edge) edge.count++;
      else {
        const added = { from: f.file, to, count: 1, at: inj.at };
        edges.set(`${f.file}|${to}`, added);
        calls.push(added);
      }
    }
  }
  for (const fn of functions.values()) {
    if (!fn.calls) continue;
    for (const c of [...fn.calls]) {
      if (!c.startsWith('di:')) continue;
      fn.calls.delete(c);
      const dot = c.indexOf('.');
      const owner = classes.get(c.slice(3, dot));
      if (owner) fn.calls.add(`${owner}.${c.slice(dot + 1)}`);
    }
  }
}

/** ORM uses, now that every entity, model and repository is known; each counts for the innermost function it is in. */
function addOrmAccess(facts: readonly FileFacts[], prisma: readonly PrismaModel[], access: Map<string, CodeTableAccess>, functions: Map<string, FunctionFacts>): void {
  const spans = new Map(facts.map((f) => [f.file, f.spans]));
  const ormFacts = facts.flatMap((f) => (f.orm ? [f.orm] : []));
  for (const a of resolveOrmAccess(ormFacts, prisma)) {
    const key = `${a.file}|${a.table}|${a.mode}`;
    const found = access.get(key);
    if (!found) access.set(key, { module: a.file, table: a.table, mode: a.mode, count: 1, at: { file: a.file, line: a.line }, via: a.via });
    else {
      found.count++;
      if (a.line < found.at.line) Object.assign(found, { at: { file: a.file, line: a.line }, via: a.via });
    }
    let fn: string | undefined;
    for (const s of spans.get(a.file) ?? []) if (s.pos <= a.pos && a.pos < s.end) fn = s.key;
    if (fn !== undefined) {
      const f = functions.get(fn)!;
      const tables = (f.tables ??= new Map());
      const use = tables.get(a.table) ?? { reads: 0, writes: 0 };
      if (a.mode === 'write') use.writes++;
      else use.reads++;
      tables.set(a.table, use);
    }
  }
}

function declaredTables(facts: readonly FileFacts[], prisma: readonly PrismaModel[]): CodeTable[] {
  const out = new Map<string, CodeTable>();
  const ormFacts = facts.flatMap((f) => (f.orm ? [f.orm] : []));
  for (const t of [...declaredOrmTables(ormFacts, prisma), ...facts.flatMap((f) => f.declaredTables)]) if (!out.has(t.table)) out.set(t.table, t);
  return [...out.values()].sort((a, b) => a.table.localeCompare(b.table));
}

function listFunctions(functions: ReadonlyMap<string, FunctionFacts>, resolve: (key: string) => string | undefined): CodeFunction[] {
  const out: CodeFunction[] = [];
  for (const [key, f] of functions) {
    const hash = key.indexOf('#');
    const calls = new Set<string>();
    for (const c of f.calls ?? []) {
      const to = resolve(c);
      if (to !== undefined && to !== key) calls.add(to);
    }
    const tables = [...(f.tables ?? [])].map(([table, use]) => ({ table, writes: use.writes > 0, count: use.reads + use.writes }));
    out.push({ key, file: key.slice(0, hash), name: key.slice(hash + 1), line: f.at.line, endLine: f.endLine, calls: [...calls].sort(), tables: tables.sort((a, b) => a.table.localeCompare(b.table)) });
  }
  return out.sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.name.localeCompare(b.name));
}

/**
 * Maps a name as code uses it (`file#name`) to a function the scan found, through aliases (`export default f`,
 * `export { f as g }`, `export { f } from './x'`, an object member set to a function) and `export * from`.
 */
function functionResolver(m: Merged): (key: string) => string | undefined {
  const cache = new Map<string, string | undefined>();
  const resolve = (key: string): string | undefined => {
    if (cache.has(key)) return cache.get(key);
    cache.set(key, undefined); // an alias cycle resolves to nothing
    let found: string | undefined;
    const hash = key.indexOf('#');
    if (m.functions.has(key)) found = key;
    else if (m.aliases.has(key)) found = resolve(m.aliases.get(key)!);
    else if (hash > 0) {
      // `file#obj.f` where `file#obj` stands for another object (`export default admin`, an imported object).
      const dot = key.indexOf('.', hash);
      const head = dot > 0 ? m.aliases.get(key.slice(0, dot)) : undefined;
      if (head !== undefined) found = resolve(head + key.slice(dot));
      else for (const from of m.starExports.get(key.slice(0, hash)) ?? []) if ((found = resolve(from + key.slice(hash))) !== undefined) break;
      // CommonJS `module.exports = { list() {…} }` read as a namespace: `file#list` is `file#default.list`.
      if (found === undefined && dot < 0 && !key.startsWith('default', hash + 1)) found = resolve(`${key.slice(0, hash)}#default.${key.slice(hash + 1)}`);
    }
    cache.set(key, found);
    return found;
  };
  return resolve;
}

/** The name an owner (router, app, controller, module) goes by once aliases and parameters are followed. */
function ownerResolver(m: Merged, resolve: (key: string) => string | undefined): (key: string | undefined) => string | undefined {
  return (key) => {
    if (key === undefined) return undefined;
    if (key.startsWith('fn:')) {
      const at = key.lastIndexOf('#');
      const fn = resolve(key.slice(3, at));
      const params = fn === undefined ? undefined : m.functions.get(fn)?.params;
      return params === undefined ? key : `${params}${key.slice(at)}`;
    }
    let current = key;
    for (let i = 0; i < 10 && m.aliases.has(current); i++) current = m.aliases.get(current)!;
    return resolve(current) ?? current;
  };
}

/** Every prefix an owner's routes answer under, through the mounts above it. */
function prefixResolver(facts: readonly FileFacts[], owner: (key: string | undefined) => string | undefined): (key: string | undefined) => string[] {
  const parents = new Map<string, { owner: string | undefined; prefix: string }[]>();
  const own = new Map<string, string>();
  const add = (m: MountFact) => {
    const child = owner(m.child)!;
    (parents.get(child) ?? parents.set(child, []).get(child)!).push({ owner: owner(m.owner), prefix: m.prefix });
  };
  for (const f of facts) {
    f.mounts.forEach(add);
    for (const [o, p] of f.ownerPrefixes) own.set(owner(o)!, p);
  }
  const memo = new Map<string, string[]>();
  const prefixes = (key: string | undefined, visiting: Set<string>): string[] => {
    if (key === undefined) return [''];
    if (memo.has(key)) return memo.get(key)!;
    const self = own.get(key) ?? '';
    const up = parents.get(key);
    if (!up || visiting.has(key)) return [self];
    visiting.add(key);
    const out = new Set<string>();
    for (const p of up) for (const base of prefixes(p.owner, visiting)) if (out.size < MAX_PREFIXES) out.add(joinPaths(base, p.prefix, self));
    visiting.delete(key);
    const list = [...out];
    memo.set(key, list);
    return list;
  };
  return (key) => prefixes(key, new Set());
}

function resolveRoutes(facts: readonly FileFacts[], m: Merged, resolve: (key: string) => string | undefined, calls: readonly CallEdge[]): CodeRoute[] {
  const owner = ownerResolver(m, resolve);
  const prefixesOf = prefixResolver(facts, owner);
  const global = facts.flatMap((f) => f.globalPrefixes)[0] ?? '';
  const out = new Map<string, Set<string>>();
  for (const e of calls) (out.get(e.from) ?? out.set(e.from, new Set()).get(e.from)!).add(e.to);
  const routes: CodeRoute[] = [];
  for (const f of facts) {
    for (const r of f.routes) {
      const handler = r.handlerKey === undefined ? undefined : resolve(r.handlerKey);
      const base: CodeRoute = { route: '', method: r.method, path: r.path, via: r.via, module: f.file, handlerModule: r.handlerModule, at: r.at };
      if (handler !== undefined) {
        const fn = m.functions.get(handler)!;
        Object.assign(base, { handler, handlerName: handler.slice(handler.indexOf('#') + 1), handlerAt: fn.at, handlerModule: fn.at.file, tables: traceTables(handler, m.functions, resolve, TRACE_DEPTH) });
      }
      if (base.handlerModule) base.reaches = reachable(base.handlerModule, out);
      for (const prefix of prefixesOf(owner(r.owner))) {
        const full = r.path === '*' && !prefix ? '*' : joinPaths(r.via === 'nestjs' ? global : '', prefix, r.path);
        routes.push({ ...base, route: `${r.method} ${full}` });
      }
    }
  }
  return routes.sort((a, b) => a.route.localeCompare(b.route) || a.at.file.localeCompare(b.at.file) || a.at.line - b.at.line);
}

/** Modules reachable from a module through calls, three steps deep. */
function reachable(start: string, out: ReadonlyMap<string, Set<string>>): string[] {
  const seen = new Set<string>([start]);
  let frontier = [start];
  for (let depth = 0; depth < 3; depth++) {
    frontier = frontier.flatMap((x) => [...(out.get(x) ?? [])]).filter((x) => !seen.has(x));
    for (const x of frontier) seen.add(x);
  }
  return [...seen].sort();
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
