/**
 * The code move of `strangler extract <domain>` (contract in contract.ts), in steps:
 * 1. analyze's code model of the monolith (routes with their handlers, functions with their tables);
 * 2. the context's routes matched to their registrations and handlers; each handler (named, or inline with its
 *    middleware) becomes a root of the move; the monolith's express error handlers too;
 * 3. the move engine reaches every declaration from the roots and decides database routing and seams;
 * 4. the files: the copies under src/domain/, strangler/database.ts, the clients, mount.ts.
 * The monolith's files are only read. ts-morph is loaded here, lazily (it costs most of a second to import).
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { CallExpression, Node, SourceFile } from 'ts-morph';
import { scanCode } from '../../analyzers/code/scan-code.ts';
import type { CodeModel, CodeRoute } from '../../analyzers/types.ts';
import { UsageError } from '../../errors.ts';
import type { CodeMoveInput, CodeMovePlan, MovedRoute, NotMoved } from './contract.ts';
import { emitFiles, movedPath, renderMount, type MountedRoute } from './emit-files.ts';
import { MoveEngine, type MoveScope } from './move-engine.ts';
import { SourceIndex, type FileIndex, type TsMorph } from './source-index.ts';

export async function planCodeMove(input: CodeMoveInput): Promise<CodeMovePlan> {
  const context = input.contexts[input.context];
  if (!context) throw new Error(`planCodeMove: no context ${input.context}`);
  const model = await scanCode({ root: input.monolithRoot });
  const morph: TsMorph = await import('ts-morph');
  const project = new morph.Project({ skipAddingFilesFromTsConfig: true, skipFileDependencyResolution: true, skipLoadingLibFiles: true, compilerOptions: { allowJs: true, noLib: true, noResolve: true } });
  const index = new SourceIndex(input.monolithRoot, project, morph);
  const scope = moveScope(input, model, morph, index);
  const engine = new MoveEngine(scope);
  const notMoved: NotMoved[] = [];
  const mounted: MountedRoute[] = [];
  const routes: MovedRoute[] = [];
  let synthetic = 0;
  for (const wanted of context.routes) {
    const r = findRoute(model, wanted, engine.out.warnings);
    if (!r) {
      notMoved.push({ what: `route ${wanted}`, where: `contexts.${input.context}.routes`, why: 'no registration of this route was found in the code' });
      continue;
    }
    const where = `${r.at.file}:${r.at.line}`;
    const [method, fullPath] = splitRoute(r.route);
    const chain = rootsOf(engine, morph, index, r, () => `strangler_route_${++synthetic}`);
    if (typeof chain === 'string') {
      notMoved.push({ what: `route ${r.route}`, where, why: chain });
      continue;
    }
    mounted.push({ method, path: fullPath, chain });
    const handler = chain.at(-1)!;
    routes.push({ method, path: fullPath, handler: r.handlerAt ? `${r.handlerAt.file}:${r.handlerAt.line}` : where, movedTo: movedPath(handler.file) });
  }
  const errorHandlers = findErrorHandlers(engine, morph, index, model, mounted);
  refuseUnparsable(engine, input.context);
  for (const orm of OTHER_DATA_ACCESS.filter((p) => [...engine.out.packages].some((s) => s === p || s.startsWith(`${p}/`)))) {
    notMoved.push({ what: `database access through ${orm}`, where: [...engine.out.files.values()].find((f) => [...f.imports.values()].some((i) => i.binding.spec.startsWith(orm)))?.index.file ?? orm, why: `only a knex database module is replaced by the service's src/domain/strangler/database.ts; the moved code's ${orm} client is copied as it is and still connects where the monolith's configuration says` });
  }
  const files = emitFiles(engine.out, index, input.databaseEnv, path.basename(input.monolithRoot));
  files.push({ path: 'src/domain/mount.ts', contents: renderMount(mounted, errorHandlers, input.context) });
  return {
    files,
    routes,
    seams: engine.out.seams,
    notMoved: [...notMoved, ...engine.out.notMoved],
    dependencies: packageVersions(input.monolithRoot, engine.out.packages),
    warnings: [...engine.out.warnings, ...(routes.length === 0 ? ['no route of this context could be moved: the monolith still serves them all'] : [])],
  };
}

/** A file the move copies must parse: copying half a function would give the service code that does not build. */
function refuseUnparsable(engine: MoveEngine, context: string): void {
  for (const sel of engine.out.files.values()) {
    const diagnostics = (sel.index.source.compilerNode as unknown as { parseDiagnostics?: { start?: number; messageText: unknown }[] }).parseDiagnostics ?? [];
    const first = diagnostics[0];
    if (!first) continue;
    const { line } = sel.index.source.getLineAndColumnAtPos(first.start ?? 0);
    const text = typeof first.messageText === 'string' ? first.messageText : 'syntax error';
    throw new UsageError(`${sel.index.file}:${line}: does not parse (${text}); the routes of ${context} reach it`, `fix the syntax error, or leave the routes that reach it out of contexts.${context}.routes`);
  }
}

/** Database clients the code move does not re-point (it replaces a knex module only). */
const OTHER_DATA_ACCESS = ['@prisma/client', 'typeorm', 'sequelize', 'mongoose', 'drizzle-orm', 'kysely', 'objection', '@mikro-orm/core', 'pg', 'mysql2'];

function moveScope(input: CodeMoveInput, model: CodeModel, morph: TsMorph, index: SourceIndex): MoveScope {
  const tableOwner = new Map<string, string>();
  for (const [name, c] of Object.entries(input.contexts)) for (const t of c.tables) if (!tableOwner.has(t)) tableOwner.set(t, name);
  const known = new Set<string>([...tableOwner.keys(), ...(input.monolithTables ?? []), ...(model.tables ?? []).map((t) => t.table), ...model.tableAccess.map((a) => a.table)]);
  const modules = Object.entries(input.contexts).flatMap(([name, c]) => c.modules.map((m) => ({ name, m: m.replace(/^\.\//, '').replace(/\/$/, '') })));
  const routeOwner = new Map<string, string>();
  for (const [name, c] of Object.entries(input.contexts)) for (const r of c.routes) routeOwner.set(normalizeRoute(r), name);
  const databaseModules = new Map<string, boolean>();
  const routesByContext = new Map<string, { route: string; handler: string; at: { file: string; line: number } }[]>();
  return {
    context: input.context,
    morph,
    index,
    ownerOfFile: (file) => modules.find(({ m }) => file === m || file.startsWith(`${m}/`))?.name,
    ownerOfTable: (t) => tableOwner.get(t),
    knownTables: known,
    functions: new Map((model.functions ?? []).map((f) => [f.key, f])),
    isDatabaseModule: (file) => {
      if (!databaseModules.has(file)) databaseModules.set(file, createsKnex(index.get(file)));
      return databaseModules.get(file)!;
    },
    routesOf: (ctx) => {
      if (!routesByContext.has(ctx)) routesByContext.set(ctx, model.routes.filter((r) => r.handler && routeOwner.get(r.route) === ctx).map((r) => ({ route: r.route, handler: r.handler!, at: r.at })));
      return routesByContext.get(ctx)!;
    },
    baseUrlOf: (ctx) => {
      const url = input.contexts[ctx]?.serviceUrl;
      return url ? { envName: `${ctx.toUpperCase().replace(/[^A-Z0-9]/g, '_')}_SERVICE_URL`, url, service: true } : { envName: 'MONOLITH_URL', url: input.monolithUrl, service: false };
    },
  };
}

/** A file that imports knex as a value and calls it: the monolith's database module. */
function createsKnex(file: FileIndex | undefined): boolean {
  if (!file) return false;
  for (const [local, b] of file.imports) if (b.spec === 'knex' && !b.typeOnly && b.imported !== 'Knex' && new RegExp(`\\b${local}\\s*\\(`).test(file.source.getFullText())) return true;
  return false;
}

const normalizeRoute = (r: string) => {
  const [m, p] = r.trim().split(/\s+/, 2);
  return `${(m ?? '').toUpperCase()} ${p ?? ''}`;
};
const splitRoute = (r: string) => normalizeRoute(r).split(' ', 2) as [string, string];

function findRoute(model: CodeModel, wanted: string, warnings: string[]): CodeRoute | undefined {
  const key = normalizeRoute(wanted);
  const found = model.routes.filter((r) => normalizeRoute(r.route) === key);
  if (found.length > 1) warnings.push(`${key} is registered ${found.length} times; moved the registration at ${found[0]!.at.file}:${found[0]!.at.line}`);
  return found[0];
}

/** The registration call of a route: `router.get('/x', …)` on its line. */
function registrationCall(morph: TsMorph, source: SourceFile, line: number, method: string): CallExpression | undefined {
  const { Node: N } = morph;
  for (const call of source.getDescendantsOfKind(morph.SyntaxKind.CallExpression)) {
    if (call.getStartLineNumber() !== line) continue;
    const callee = call.getExpression();
    if (N.isPropertyAccessExpression(callee) && callee.getName().toLowerCase() === method.toLowerCase() && call.getArguments().length >= 2) return call;
  }
  return undefined;
}

/** The handler (and middleware) of a route as roots of the move, or why it cannot be moved. */
function rootsOf(engine: MoveEngine, morph: TsMorph, index: SourceIndex, r: CodeRoute, nextName: () => string): MountedRoute['chain'] | string {
  if (!r.handler) return 'its handler was not found by the code scan';
  const registration = index.get(r.at.file);
  const call = registration ? registrationCall(morph, registration.source, r.at.line, r.method ?? '') : undefined;
  const args = call?.getArguments() ?? [];
  const middleware = args.slice(1, -1);
  const chain: MountedRoute['chain'] = [];
  for (const m of middleware) {
    const name = nextName();
    engine.addExpression(registration!, m, name, false);
    chain.push({ file: registration!.file, name });
  }
  const hash = r.handler.indexOf('#');
  const file = r.handler.slice(0, hash);
  const name = r.handler.slice(hash + 1);
  if (/[\s@]/.test(name)) {
    const inline = args.at(-1);
    if (!inline || !registration || inline.getStartLineNumber() !== (r.handlerAt?.line ?? inline.getStartLineNumber())) return 'its inline handler was not found at the registration';
    const synthetic = nextName();
    engine.addExpression(registration, inline, synthetic, true);
    chain.push({ file: registration.file, name: synthetic });
    return chain;
  }
  const head = name.split('.')[0]!;
  const declared = index.get(file)?.declarations.get(head)?.[0];
  if (declared && morph.Node.isClassDeclaration(declared)) return `its handler ${name} is a class method (a framework controller): not mounted on express by the code move`;
  if (!engine.addRoot(file, head)) return `its handler ${name} was not found in ${file}`;
  chain.push({ file, name });
  return chain;
}

/** `app.use(f)` with a four-parameter `f` (named or inline) in the files that register the moved routes or import them. */
function findErrorHandlers(engine: MoveEngine, morph: TsMorph, index: SourceIndex, model: CodeModel, mounted: MountedRoute[]): { file: string; name: string }[] {
  const { Node: N } = morph;
  const start = new Set(model.routes.filter((r) => mounted.some((m) => m.chain.some((c) => c.file === r.at.file || r.handler?.startsWith(`${c.file}#`)))).map((r) => r.module));
  const candidates = new Set(start);
  for (let depth = 0; depth < 2; depth++) for (const e of model.imports) if (candidates.has(e.to)) candidates.add(e.from);
  for (const file of [...candidates].slice(0, 50)) {
    const f = index.get(file);
    if (!f || !f.source.getFullText().includes('.use(')) continue;
    for (const call of f.source.getDescendantsOfKind(morph.SyntaxKind.CallExpression)) {
      const callee = call.getExpression();
      const arg = call.getArguments().at(-1);
      if (!N.isPropertyAccessExpression(callee) || callee.getName() !== 'use' || !arg) continue;
      if ((N.isArrowFunction(arg) || N.isFunctionExpression(arg)) && arg.getParameters().length === 4) {
        engine.addExpression(f, arg, 'strangler_error_handler', false);
        return [{ file: f.file, name: 'strangler_error_handler' }];
      }
      if (!N.isIdentifier(arg)) continue;
      const found = resolveFunction(index, morph, f, arg.getText());
      if (found && engine.addRoot(found.file, found.name)) return [found];
    }
  }
  return [];
}

/** A four-parameter function `name` in `f` or imported by it. */
function resolveFunction(index: SourceIndex, morph: TsMorph, f: FileIndex, name: string): { file: string; name: string } | undefined {
  const { Node: N } = morph;
  const fourParams = (s: Node | undefined): boolean => {
    if (!s) return false;
    if (N.isFunctionDeclaration(s)) return s.getParameters().length === 4;
    if (N.isVariableStatement(s)) {
      const init = s.getDeclarations()[0]?.getInitializer();
      return Boolean(init && (N.isArrowFunction(init) || N.isFunctionExpression(init)) && init.getParameters().length === 4);
    }
    return false;
  };
  if (fourParams(f.declarations.get(name)?.[0])) return { file: f.file, name };
  const b = f.imports.get(name);
  if (!b?.file || b.imported === '*') return undefined;
  const target = index.get(b.file);
  const local = target?.localExports.get(b.imported) ?? b.imported;
  return target && fourParams(target.declarations.get(local)?.[0]) ? { file: target.file, name: local } : undefined;
}

/** Version ranges of the packages the moved code imports, from the monolith's nearest package.json. */
function packageVersions(root: string, specs: ReadonlySet<string>): Record<string, string> {
  const ranges: Record<string, string> = {};
  for (let dir = path.resolve(root); ; dir = path.dirname(dir)) {
    const file = path.join(dir, 'package.json');
    if (existsSync(file)) {
      try {
        const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string; dependencies?: Record<string, string>; devDependencies?: Record<string, string> };
        Object.assign(ranges, pkg.devDependencies, pkg.dependencies, pkg.name && pkg.version ? { [pkg.name]: `^${pkg.version}` } : {});
        if (pkg.dependencies) break;
      } catch {
        // not JSON: keep looking upwards
      }
    }
    if (path.dirname(dir) === dir) break;
  }
  const out: Record<string, string> = {};
  for (const spec of specs) {
    if (spec.startsWith('node:')) continue;
    const name = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!;
    if (ranges[name]) out[name] = ranges[name];
  }
  return out;
}
