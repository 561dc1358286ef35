/**
 * The moved code as files of the service: each reached file's kept statements (with their edits: the monolith
 * database's twin, `// SEAM:` lines) under `src/domain/`, imports pointed at the new places; the service-side
 * database module `src/domain/strangler/database.ts`; the HTTP clients; and `src/domain/mount.ts`.
 */
import path from 'node:path';
import type { Node } from 'ts-morph';
import { renderClients } from './http-clients.ts';
import { monolithName, type Edit, type FileSelection, type MoveOutcome } from './move-engine.ts';
import type { FileIndex, SourceIndex } from './source-index.ts';

export const DOMAIN = 'src/domain';
export const MONOLITH_DATABASE_ENV = 'MONOLITH_DATABASE_URL';

/** Where a monolith file goes in the service: `src/x/y.ts` -> `src/domain/x/y.ts`. */
export function movedPath(file: string): string {
  return `${DOMAIN}/${file.replace(/^src\//, '')}`;
}

/** A relative ESM specifier from one service file to another (`../strangler/database.js`). */
export function specifier(fromFile: string, toFile: string): string {
  let rel = path.posix.relative(path.posix.dirname(fromFile), toFile).replace(/\.(m|c)?[jt]sx?$/, '.js');
  if (!rel.startsWith('.')) rel = `./${rel}`;
  return rel;
}

function applyEdits(text: string, start: number, end: number, edits: readonly Edit[]): string {
  let out = text.slice(start, end);
  const inside = edits.filter((e) => e.pos >= start && e.end <= end).sort((a, b) => b.pos - a.pos || b.end - b.pos - (a.end - a.pos));
  for (const e of inside) out = out.slice(0, e.pos - start) + e.text + out.slice(e.end - start);
  return out;
}

/** The file a named import finally comes from, through re-exports (the copies keep no re-export statements). */
function finalSource(index: SourceIndex, file: string, name: string, depth = 0): { file: string; name: string } {
  const f = index.get(file);
  if (!f || depth > 8 || f.declarations.has(f.localExports.get(name) ?? name) || f.imports.has(name)) return { file, name };
  const re = f.reexports.get(name);
  if (re?.file) return finalSource(index, re.file, re.name, depth + 1);
  for (const star of f.starExports) {
    const s = index.get(star);
    if (s && (s.declarations.has(name) || s.localExports.has(name) || s.reexports.has(name))) return finalSource(index, star, name, depth + 1);
  }
  return { file, name };
}

function importLines(sel: FileSelection, out: MoveOutcome, index: SourceIndex, emitted: ReadonlySet<string>, extraTypes: string[]): string[] {
  const here = movedPath(sel.index.file);
  const groups = new Map<string, { names: string[]; types: string[]; default?: string; namespace?: string }>();
  const group = (spec: string) => groups.get(spec) ?? groups.set(spec, { names: [], types: [] }).get(spec)!;
  const named = (g: { names: string[]; types: string[] }, imported: string, local: string, typeOnly: boolean) => (typeOnly ? g.types : g.names).push(imported === local ? local : `${imported} as ${local}`);
  const renamed = new Set(sel.edits.map((e) => e.text));
  for (const [local, { binding, to }] of sel.imports) {
    if (to?.kind === 'database') {
      const g = group(specifier(here, `${DOMAIN}/strangler/database.ts`));
      named(g, binding.imported === 'default' ? 'serviceDefault' : binding.imported, local, binding.typeOnly);
      if (renamed.has(monolithName(local))) named(g, monolithName(binding.imported), monolithName(local), false);
    } else if (to?.kind === 'client') named(group(specifier(here, `${DOMAIN}/clients/${to.context}.ts`)), local, local, false);
    else if (binding.file && (emitted.has(binding.file) || (binding.imported !== '*' && emitted.has(finalSource(index, binding.file, binding.imported).file)))) {
      if (binding.imported === '*') group(specifier(here, movedPath(binding.file))).namespace = local;
      else {
        const src = finalSource(index, binding.file, binding.imported);
        const target = emitted.has(src.file) ? src : { file: binding.file, name: binding.imported };
        const g = group(specifier(here, movedPath(target.file)));
        if (target.name === 'default' && !binding.typeOnly) g.default = local;
        else named(g, target.name, local, binding.typeOnly);
      }
    } else {
      const g = group(binding.spec);
      if (binding.imported === '*') g.namespace = local;
      else if (binding.imported === 'default') g.default = local;
      else named(g, binding.imported, local, binding.typeOnly);
    }
  }
  if (extraTypes.length > 0) group('express').types.push(...extraTypes.filter((t) => !sel.imports.has(t)));
  const lines: string[] = [];
  for (const [spec, g] of [...groups].sort(([a], [b]) => a.localeCompare(b))) {
    const q = JSON.stringify(spec).replace(/^"|"$/g, "'");
    if (g.namespace) lines.push(`import * as ${g.namespace} from ${q};`);
    if (g.default || g.names.length) lines.push(`import ${[g.default, g.names.length ? `{ ${g.names.join(', ')} }` : undefined].filter(Boolean).join(', ')} from ${q};`);
    if (g.types.length) lines.push(`import type { ${[...new Set(g.types)].join(', ')} } from ${q};`);
  }
  return lines;
}

function isExportedStatement(node: Node): boolean {
  const m = node as unknown as { isExported?: () => boolean; hasExportKeyword?: () => boolean };
  return m.hasExportKeyword?.() ?? m.isExported?.() ?? false;
}

function renderFile(sel: FileSelection, out: MoveOutcome, index: SourceIndex, emitted: ReadonlySet<string>, monolithLabel: string): string {
  const full = sel.index.source.getFullText();
  const kept = sel.index.source.getStatements().filter((s) => sel.statements.has(s));
  const body = kept.map((s) => `${applyEdits(full, s.getFullStart(), s.getEnd(), sel.edits).replace(/^\s*\n/, '')}\n`);
  const needsHandlerType = sel.synthetic.some((s) => s.handler && untypedFunction(s.node));
  for (const s of sel.synthetic) {
    const text = applyEdits(full, s.node.getStart(), s.node.getEnd(), sel.edits);
    body.push(`export const ${s.name}${s.handler && untypedFunction(s.node) ? ': RequestHandler' : ''} = ${text};\n`);
  }
  const exportedByModifier = new Set<string>();
  for (const s of kept) if (isExportedStatement(s)) for (const [name, list] of sel.index.declarations) if (list.includes(s)) exportedByModifier.add(name);
  const clause: string[] = [];
  for (const [exportedName, local] of sel.index.localExports) if ((sel.index.declarations.get(local) ?? []).some((s) => sel.statements.has(s)) || sel.imports.has(local)) clause.push(exportedName === local ? local : `${local} as ${exportedName}`);
  for (const name of sel.exported) if (name !== 'default' && !exportedByModifier.has(name) && ![...sel.index.localExports.values()].includes(name)) clause.push(name);
  if (clause.length) body.push(`export { ${[...new Set(clause)].join(', ')} };`);
  const header = `// Moved from ${monolithLabel}/${sel.index.file} by strangler extract: the declarations this context's routes reach.`;
  return `${[header, ...importLines(sel, out, index, emitted, needsHandlerType ? ['RequestHandler'] : []), '', ...body].join('\n')}\n`;
}

function untypedFunction(node: Node): boolean {
  const n = node as unknown as { getParameters?: () => { getTypeNode(): unknown }[] };
  const params = n.getParameters?.();
  return params !== undefined && params.length > 0 && !params[0]!.getTypeNode();
}

export function renderDatabase(out: MoveOutcome, databaseEnv: string): string {
  const lines = [
    "// The moved code's database access (generated by strangler extract), in place of the monolith's database module.",
    `// The service's own tables are on ${databaseEnv}. Statements marked \`// SEAM:\` name tables this context does not`,
    `// own; until those seams are cut they run on the monolith's database, ${MONOLITH_DATABASE_ENV}.`,
    "import knexFactory, { type Knex } from 'knex';",
    '',
    'let service: Knex | undefined;',
    'let monolith: Knex | undefined;',
    '',
    'function open(env: string, what: string): Knex {',
    '  const url = process.env[env];',
    '  if (!url) throw new Error(`${env} is not set: export ${env}=postgres://user@host:5432/db (${what})`);',
    "  return knexFactory({ client: 'pg', connection: url, pool: { min: 0, max: 10 } });",
    '}',
    '',
    '/** The service\'s own database. */',
    `export function serviceDatabase(): Knex {`,
    `  return (service ??= open('${databaseEnv}', "the service's own database"));`,
    '}',
    '',
    "/** The monolith's database, for the statements of SEAMS.md that still need it. */",
    'export function monolithDatabase(): Knex {',
    `  return (monolith ??= open('${MONOLITH_DATABASE_ENV}', "the monolith's database, still read by the seams of SEAMS.md"));`,
    '}',
    '',
    '/** Closes both pools (called on graceful shutdown). */',
    'export async function closeDomain(): Promise<void> {',
    '  const open = [service, monolith];',
    '  service = monolith = undefined;',
    '  await Promise.all(open.map((k) => k?.destroy()));',
    '}',
    '',
    '/** A knex handle that opens its pool on first use. */',
    'function lazy(get: () => Knex): Knex {',
    '  return new Proxy(function () {} as unknown as Knex, {',
    '    apply: (_target, _this, args: unknown[]) => (get() as unknown as (...a: unknown[]) => unknown)(...args),',
    '    get: (_target, prop) => {',
    '      const k = get() as unknown as Record<string | symbol, unknown>;',
    '      const v = k[prop];',
    "      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(k) : v;",
    '    },',
    '  });',
    '}',
  ];
  for (const [name, kind] of [...out.databaseNames].sort(([a], [b]) => a.localeCompare(b))) {
    const exported = name === 'default' ? 'serviceDefault' : name;
    lines.push('');
    if (kind === 'type') lines.push(`export type ${exported} = Knex;`);
    else if (kind === 'handle') lines.push(`export function ${exported}(): Knex {`, '  return serviceDatabase();', '}', `export function ${monolithName(name)}(): Knex {`, '  return monolithDatabase();', '}');
    else if (kind === 'instance') lines.push(`export const ${exported}: Knex = lazy(serviceDatabase);`, `export const ${monolithName(name)}: Knex = lazy(monolithDatabase);`);
    else lines.push(`// ${name} of the monolith's database module sets the database up; in the service that is done above.`, `export function ${exported}(..._args: unknown[]): never {`, `  throw new Error('${name} is not available in the service: use serviceDatabase()');`, '}', `export const ${monolithName(name)} = ${exported};`);
  }
  return `${lines.join('\n')}\n`;
}

export interface MountedRoute {
  method: string;
  path: string;
  /** The file (monolith path) and exported name of the handler and of each middleware, in order. */
  chain: { file: string; name: string; expression?: string }[];
}

export function renderMount(routes: MountedRoute[], errorHandlers: { file: string; name: string }[], context: string): string {
  const imports = new Map<string, Set<string>>();
  const ref = (r: { file: string; name: string }) => {
    const spec = specifier(`${DOMAIN}/mount.ts`, movedPath(r.file));
    const set = imports.get(spec) ?? imports.set(spec, new Set()).get(spec)!;
    const head = r.name.split('.')[0]!;
    const alias = `${head}_${[...imports.keys()].indexOf(spec)}`;
    set.add(`${head} as ${alias}`);
    return alias + r.name.slice(head.length);
  };
  const registrations = routes.map((r) => `  routes.${r.method.toLowerCase() === 'all' ? 'all' : r.method.toLowerCase()}(${JSON.stringify(r.path)}, ${r.chain.map((c) => `run(${ref(c)})`).join(', ')});`);
  const handlers = errorHandlers.map((h) => `  routes.use(${ref(h)});`);
  return `// The routes of ${context} moved from the monolith (generated by strangler extract), on the same methods and paths.
import { Router, type Express, type NextFunction, type Request, type Response } from 'express';
${[...imports].map(([spec, names]) => `import { ${[...names].join(', ')} } from '${spec}';`).join('\n')}

export { closeDomain } from './strangler/database.js';

type Handler = (req: Request, res: Response, next: NextFunction) => unknown;

/** Express 4 does not await handlers: a rejected promise goes to the error handlers. */
const run =
  (handler: Handler) =>
  (req: Request, res: Response, next: NextFunction): void => {
    try {
      Promise.resolve(handler(req, res, next)).catch(next);
    } catch (e) {
      next(e);
    }
  };

export function mountDomainRoutes(app: Express): void {
  const routes = Router();
${registrations.join('\n')}
${handlers.length ? `  // the monolith's error handling, for the moved routes\n${handlers.join('\n')}\n` : ''}  app.use(routes);
}
`;
}

export function emitFiles(out: MoveOutcome, index: SourceIndex, databaseEnv: string, monolithLabel: string): { path: string; contents: string }[] {
  const emitted = new Set([...out.files.values()].filter((s) => s.statements.size > 0 || s.synthetic.length > 0).map((s) => s.index.file));
  const files = [...out.files.values()].filter((s) => emitted.has(s.index.file)).map((s) => ({ path: movedPath(s.index.file), contents: renderFile(s, out, index, emitted, monolithLabel) }));
  files.push({ path: `${DOMAIN}/strangler/database.ts`, contents: renderDatabase(out, databaseEnv) });
  for (const [context, fns] of out.clients) files.push({ path: `${DOMAIN}/clients/${context}.ts`, contents: renderClients(context, fns) });
  return files;
}

export type { FileIndex };
