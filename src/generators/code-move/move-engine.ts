/**
 * The heart of the code move: from the context's route handlers, every top-level declaration they reach, file by
 * file, through the files' imports (syntax only: a name used in a kept declaration that the file declares or
 * imports is reached). On the way it decides, for each reached declaration and each database statement:
 * 1. the monolith's knex module is not copied: its names come from the service's `strangler/database.ts`;
 * 2. a statement that names another context's (or a shared) table runs on the monolith's database
 *    (`monolithDb`), marked `// SEAM:` and listed, as a cross-context join, a read or a shared-table write;
 * 3. a call into another context's function becomes a call of a typed HTTP client when one of that context's GET
 *    routes answers with the function's result; otherwise the function is copied (its statements then run on the
 *    monolith's database) and the call is marked `// SEAM:`.
 * What it keeps is returned as per-file selections (statements, text edits, imports) for `emit-files.ts`.
 */
import type { Node, Statement } from 'ts-morph';
import type { NotMoved, Seam } from './contract.ts';
import { servingRoute, type ClientFunction } from './http-clients.ts';
import type { MoveScope } from './move-scope.ts';
import type { FileIndex, ImportBinding, TsMorph } from './source-index.ts';
import { statementTables } from './statement-tables.ts';

export interface Edit {
  pos: number;
  end: number;
  text: string;
}

export type { MoveScope };

export interface FileSelection {
  index: FileIndex;
  statements: Set<Statement>;
  /** Expressions of route registrations (inline handlers, middleware) emitted as `export const <name> = …`. */
  synthetic: { name: string; node: Node; handler: boolean }[];
  /** Import bindings kept code uses: local name -> binding, and where it now points when not at a moved file. */
  imports: Map<string, { binding: ImportBinding; to?: { kind: 'database' | 'client'; context?: string } }>;
  /** Local names other moved files import (exported in the copy when the original does not export them). */
  exported: Set<string>;
  edits: Edit[];
}


export interface MoveOutcome {
  files: Map<string, FileSelection>;
  seams: Seam[];
  notMoved: NotMoved[];
  /** Names imported from the monolith's database module: name -> its declaration kind there. */
  databaseNames: Map<string, 'handle' | 'instance' | 'type' | 'other'>;
  /** Names for which a monolith-database twin (`monolithDb`) is used. */
  monolithNames: Set<string>;
  clients: Map<string, ClientFunction[]>;
  packages: Set<string>;
  warnings: string[];
}

const CAP = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
export const monolithName = (name: string) => `monolith${CAP(name)}`;

export class MoveEngine {
  readonly out: MoveOutcome = { files: new Map(), seams: [], notMoved: [], databaseNames: new Map(), monolithNames: new Set(), clients: new Map(), packages: new Set(), warnings: [] };
  private readonly roots = new Set<string>();
  private readonly seamAt = new Map<string, string[]>();

  constructor(private readonly scope: MoveScope) {}

  selection(index: FileIndex): FileSelection {
    let s = this.out.files.get(index.file);
    if (!s) {
      s = { index, statements: new Set(), synthetic: [], imports: new Map(), exported: new Set(), edits: [] };
      this.out.files.set(index.file, s);
    }
    return s;
  }

  /** A named handler (`file#name`) as a root of the move: owned by the context wherever it lives. */
  addRoot(file: string, name: string): boolean {
    const index = this.scope.index.get(file);
    if (!index || !index.declarations.has(name)) return false;
    this.roots.add(`${file}#${name}`);
    this.keepDeclaration(index, name);
    this.selection(index).exported.add(name);
    return true;
  }

  /** An expression of a route registration (inline handler, middleware), kept as a synthetic export of its file. */
  addExpression(index: FileIndex, node: Node, name: string, handler: boolean): void {
    const sel = this.selection(index);
    sel.synthetic.push({ name, node, handler });
    this.roots.add(`${index.file}#${name}`);
    this.scan(index, node, this.scope.context);
  }

  private ownerOf(file: string, name: string): string | undefined {
    if (this.roots.has(`${file}#${name}`)) return this.scope.context;
    const byFile = this.scope.ownerOfFile(file);
    if (byFile) return byFile;
    const fn = this.scope.functions.get(`${file}#${name}`);
    const owners = new Set((fn?.tables ?? []).map((t) => this.scope.ownerOfTable(t.table)));
    if (owners.has(this.scope.context) || owners.size !== 1) return undefined;
    return [...owners][0];
  }

  private keepDeclaration(index: FileIndex, name: string): void {
    const sel = this.selection(index);
    const owner = this.ownerOf(index.file, name);
    for (const statement of index.declarations.get(name) ?? []) {
      if (sel.statements.has(statement)) continue;
      sel.statements.add(statement);
      this.scan(index, statement, owner);
    }
  }

  /** Follows every name `node` uses that its file declares or imports. */
  private scan(index: FileIndex, node: Node, owner: string | undefined): void {
    const { Node: N } = this.scope.morph;
    const visit = (id: Node) => {
      if (!N.isIdentifier(id)) return;
      const parent = id.getParent();
      if (parent && N.isPropertyAccessExpression(parent) && parent.getNameNode() === id) return;
      if (parent && (N.isPropertyAssignment(parent) || N.isPropertySignature(parent) || N.isMethodDeclaration(parent) || N.isPropertyDeclaration(parent)) && parent.getNameNode() === id) return;
      const name = id.getText();
      if (index.declarations.has(name)) this.keepDeclaration(index, name);
      else if (index.imports.has(name)) this.useImport(index, id, name, owner);
    };
    visit(node);
    node.forEachDescendant(visit);
  }

  private useImport(index: FileIndex, id: Node, name: string, owner: string | undefined): void {
    const sel = this.selection(index);
    const binding = index.imports.get(name)!;
    const known = sel.imports.get(name);
    if (!binding.file) {
      if (!known) sel.imports.set(name, { binding });
      if (!binding.spec.startsWith('.')) this.out.packages.add(binding.spec);
      else if (!known) this.out.warnings.push(`${index.file}:${binding.declaration.getStartLineNumber()}: ${binding.spec} does not resolve to a file of the monolith; the import is kept as it is`);
      return;
    }
    if (this.scope.isDatabaseModule(binding.file)) {
      if (!known) sel.imports.set(name, { binding, to: { kind: 'database' } });
      this.noteDatabaseName(binding);
      if (!binding.typeOnly) this.routeStatement(index, id, name, owner);
      return;
    }
    if (known?.to?.kind === 'client') return;
    const target = this.scope.index.get(binding.file);
    if (!target) {
      if (!known) sel.imports.set(name, { binding });
      return;
    }
    if (binding.imported === '*') {
      if (!known) sel.imports.set(name, { binding });
      const { Node: N } = this.scope.morph;
      const parent = id.getParent();
      const members = parent && N.isPropertyAccessExpression(parent) && parent.getExpression() === id ? [parent.getName()] : [...target.declarations.keys(), ...target.localExports.keys()];
      for (const m of members) this.reachExport(target, m, index, id, owner);
      return;
    }
    const client = known ? undefined : this.clientFor(target, binding, index, id, owner);
    if (client) {
      sel.imports.set(name, { binding, to: { kind: 'client', context: client } });
      return;
    }
    if (!known) sel.imports.set(name, { binding });
    this.reachExport(target, binding.imported, index, id, owner);
  }

  /** The declaration behind `name` exported by `target`, through `export { a as b }`, re-exports and `export *`. */
  private reachExport(target: FileIndex, name: string, from: FileIndex, id: Node, owner: string | undefined, depth = 0): void {
    if (depth > 8) return;
    const local = target.localExports.get(name) ?? name;
    if (target.declarations.has(local)) {
      const targetOwner = this.ownerOf(target.file, local);
      if (owner === this.scope.context && targetOwner !== undefined && targetOwner !== owner && this.isFunction(target, local)) this.callSeam(from, id, target, local, targetOwner);
      this.keepDeclaration(target, local);
      this.selection(target).exported.add(local);
      return;
    }
    const imported = target.imports.get(local);
    if (imported) {
      // `import { x } from './y'; export { x }`: the copy re-exports it too
      const sel = this.selection(target);
      const database = imported.file !== undefined && this.scope.isDatabaseModule(imported.file);
      if (!sel.imports.has(local)) sel.imports.set(local, { binding: imported, ...(database ? { to: { kind: 'database' as const } } : {}) });
      sel.exported.add(local);
      if (database) this.noteDatabaseName(imported);
      else if (imported.file && imported.imported !== '*') {
        const next = this.scope.index.get(imported.file);
        if (next) this.reachExport(next, imported.imported, from, id, owner, depth + 1);
      } else if (!imported.file && !imported.spec.startsWith('.')) this.out.packages.add(imported.spec);
      return;
    }
    const re = target.reexports.get(name);
    if (re?.file) {
      const next = this.scope.index.get(re.file);
      if (next) this.reachExport(next, re.name, from, id, owner, depth + 1);
      return;
    }
    for (const star of target.starExports) {
      const next = this.scope.index.get(star);
      if (next && (next.declarations.has(name) || next.localExports.has(name) || next.reexports.has(name))) return this.reachExport(next, name, from, id, owner, depth + 1);
    }
  }

  /** A function declaration, or a variable initialised with a function: what a call seam is about (not classes, objects, types). */
  private isFunction(index: FileIndex, local: string): boolean {
    const { Node: N } = this.scope.morph;
    const statement = index.declarations.get(local)?.[0];
    if (!statement) return false;
    if (N.isFunctionDeclaration(statement)) return true;
    const init = N.isVariableStatement(statement) ? statement.getDeclarations()[0]?.getInitializer() : N.isExportAssignment(statement) ? statement.getExpression() : undefined;
    return Boolean(init && (N.isArrowFunction(init) || N.isFunctionExpression(init)));
  }

  private noteDatabaseName(binding: ImportBinding): void {
    if (this.out.databaseNames.has(binding.imported)) return;
    const index = this.scope.index.get(binding.file!);
    const { Node: N } = this.scope.morph;
    const local = index?.localExports.get(binding.imported) ?? binding.imported;
    const statement = index?.declarations.get(local)?.[0];
    let kind: 'handle' | 'instance' | 'type' | 'other' = 'other';
    if (!statement) kind = 'other';
    else if (N.isTypeAliasDeclaration(statement) || N.isInterfaceDeclaration(statement)) kind = 'type';
    else if (N.isFunctionDeclaration(statement)) kind = statement.getParameters().length === 0 ? 'handle' : 'other';
    else if (N.isVariableStatement(statement) || N.isExportAssignment(statement)) {
      const init = N.isVariableStatement(statement) ? statement.getDeclarations()[0]?.getInitializer() : statement.getExpression();
      kind = init && (N.isArrowFunction(init) || N.isFunctionExpression(init)) ? (init.getParameters().length === 0 ? 'handle' : 'other') : 'instance';
    }
    if (binding.typeOnly && kind !== 'type') kind = 'type';
    this.out.databaseNames.set(binding.imported, kind);
    if (kind === 'other') this.out.warnings.push(`${binding.file}: ${binding.imported} of the monolith's database module has no counterpart in the service; calls of it throw`);
  }

  /** The statement using the database handle `id`: on the monolith's database when it names tables the context does not own. */
  private routeStatement(index: FileIndex, id: Node, name: string, owner: string | undefined): void {
    const statement = enclosingStatement(this.scope.morph, id);
    const literals: string[] = [];
    const { Node: N } = this.scope.morph;
    statement.forEachDescendant((n) => {
      if (N.isStringLiteral(n) || N.isNoSubstitutionTemplateLiteral(n)) literals.push(n.getLiteralText());
      else if (N.isTemplateExpression(n)) literals.push(n.getHead().getLiteralText() + n.getTemplateSpans().map((s) => ` ${s.getLiteral().getLiteralText()}`).join(''));
    });
    const { tables, writes } = statementTables(statement.getText(), literals, this.scope.knownTables);
    const foreign = tables.filter((t) => this.scope.ownerOfTable(t) !== this.scope.context);
    if (foreign.length === 0) return;
    const sel = this.selection(index);
    sel.edits.push({ pos: id.getStart(), end: id.getEnd(), text: monolithName(name) });
    this.out.monolithNames.add(name);
    if (owner !== undefined && owner !== this.scope.context) return; // a copied function of another context: its call is the seam
    const owners = [...new Set(foreign.map((t) => this.scope.ownerOfTable(t) ?? 'shared'))];
    const own = tables.filter((t) => !foreign.includes(t));
    const where = `${index.file}:${statement.getStartLineNumber()}`;
    const list = foreign.join(', ');
    const kind: Seam['kind'] = writes ? 'sharedWrite' : 'crossJoin';
    const detail = writes
      ? `writes ${list} (${owners.join(', ')})${own.length ? ` with ${own.join(', ')}` : ''}; runs on the monolith's database`
      : own.length
        ? `joins ${own.join(', ')} with ${list} (${owners.join(', ')}); runs on the monolith's database`
        : `reads ${list} (${owners.join(', ')}) directly; runs on the monolith's database`;
    const others = owners.filter((o) => o !== 'shared');
    const shared = foreign.filter((t) => this.scope.ownerOfTable(t) === undefined);
    const suggestion = writes
      ? others.length
        ? `have ${others.join('/')} own this write: call its API or publish an event (strangler-fig/outbox) it consumes`
        : `${shared.join(', ')} has no owner: give it one (a context in strangler.yaml) and call it, or write it through an event (strangler-fig/outbox)`
      : others.length
        ? `replace the ${own.length ? 'join' : 'read'} with a call to ${others.join('/')}'s API, or keep a read-only copy of ${list} in this service (sync)`
        : `${shared.join(', ')} has no owner: keep a read-only copy in this service (sync it) or serve it from one context's API`;
    this.out.seams.push({ kind, from: where, to: list, ...(owners.length === 1 && owners[0] !== 'shared' ? { otherContext: owners[0] } : {}), detail, suggestion });
    this.comment(index, statement, `${kind}: ${detail}`);
  }

  private clientFor(exporter: FileIndex, binding: ImportBinding, from: FileIndex, id: Node, owner: string | undefined): string | undefined {
    const declared = this.scope.index.declaring(exporter.file, binding.imported);
    if (!declared) return undefined;
    const { index: target, local } = declared;
    const targetOwner = this.ownerOf(target.file, local);
    if (owner !== this.scope.context || targetOwner === undefined || targetOwner === this.scope.context) return undefined;
    const fn = servingRoute(this.scope, target, local, id, targetOwner);
    if (!fn) return undefined;
    const list = this.out.clients.get(targetOwner) ?? [];
    if (!list.some((c) => c.name === fn.name)) list.push({ ...fn, name: id.getText() });
    this.out.clients.set(targetOwner, list);
    const where = `${from.file}:${id.getStartLineNumber()}`;
    this.out.seams.push({
      kind: 'call',
      from: where,
      to: `${target.file}:${fn.line}`,
      otherContext: targetOwner,
      detail: `calls ${targetOwner}'s ${local}: now a typed HTTP client of ${fn.method} ${fn.path} (src/domain/clients/${targetOwner}.ts)`,
      suggestion: `point ${fn.envName} at ${targetOwner}'s service once it is extracted; then the monolith route can be retired`,
    });
    this.comment(from, enclosingStatement(this.scope.morph, id), `call: ${targetOwner}'s ${local} answered by ${fn.method} ${fn.path} of the ${fn.envName === 'MONOLITH_URL' ? 'monolith' : `${targetOwner} service`}`);
    return targetOwner;
  }

  private callSeam(from: FileIndex, id: Node, target: FileIndex, local: string, targetOwner: string): void {
    const line = target.declarations.get(local)![0]!.getStartLineNumber();
    const key = `${from.file}:${id.getStartLineNumber()}>${target.file}#${local}`;
    if (this.seamAt.has(key)) return;
    this.seamAt.set(key, []);
    this.out.seams.push({
      kind: 'call',
      from: `${from.file}:${id.getStartLineNumber()}`,
      to: `${target.file}:${line}`,
      otherContext: targetOwner,
      detail: `calls ${targetOwner}'s ${local}, copied into the service; its queries run on the monolith's database`,
      suggestion: `give ${targetOwner} a route that answers this (then extract regenerates the call as an HTTP client), or move ${local} into this context if it belongs here`,
    });
    this.comment(from, enclosingStatement(this.scope.morph, id), `call: ${targetOwner}'s ${local} (${target.file}:${line}) is a copy of the monolith's code; no route of ${targetOwner} serves it`);
  }

  /** One `// SEAM:` line above the statement (once per statement and text). */
  private comment(index: FileIndex, statement: Node, text: string): void {
    const pos = statement.getStart();
    const key = `${index.file}@${pos}`;
    const seen = this.seamAt.get(key) ?? [];
    if (seen.includes(text)) return;
    seen.push(text);
    this.seamAt.set(key, seen);
    const full = index.source.getFullText();
    const lineStart = full.lastIndexOf('\n', pos - 1) + 1;
    const indent = /^[ \t]*/.exec(full.slice(lineStart, pos))![0];
    this.selection(index).edits.push({ pos, end: pos, text: `// SEAM: ${text.replace(/\n/g, ' ')}\n${indent}` });
  }
}

/** The statement directly inside a block, file or case clause that contains `node`. */
export function enclosingStatement(morph: TsMorph, node: Node): Node {
  const { Node: N } = morph;
  let current = node;
  for (let parent = current.getParent(); parent; parent = current.getParent()) {
    if (N.isBlock(parent) || N.isSourceFile(parent) || N.isCaseClause(parent) || N.isDefaultClause(parent) || N.isModuleBlock(parent)) return current;
    if (N.isArrowFunction(parent) && parent.getBody() === current) return current;
    current = parent;
  }
  return current;
}
