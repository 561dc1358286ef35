/**
 * The top level of the monolith's files as the code move needs it, from syntax only (ts-morph, no type checker):
 * which statement declares each name, what each import binds, what each file exports and re-exports. Files are
 * parsed when first reached, so a move reads the files its handlers reach, not the whole tree.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { ExportDeclaration, ImportDeclaration, Node, Project, SourceFile, Statement } from 'ts-morph';

export type TsMorph = typeof import('ts-morph');

export interface ImportBinding {
  /** The module specifier as written. */
  spec: string;
  /** The file it resolves to (relative to the root), or undefined for a package (or an unresolved path). */
  file?: string;
  /** `*` for `import * as x`, `default` for `import x`, else the exported name. */
  imported: string;
  typeOnly: boolean;
  declaration: ImportDeclaration;
}

export interface FileIndex {
  file: string;
  source: SourceFile;
  /** Top-level name -> the statements declaring it (overloads and merged declarations give several). */
  declarations: Map<string, Statement[]>;
  imports: Map<string, ImportBinding>;
  /** `export { local as name }` (no module specifier): exported name -> local name. */
  localExports: Map<string, string>;
  /** `export { a as b } from './x'`: exported name -> the file and its name there. */
  reexports: Map<string, { file?: string; spec: string; name: string }>;
  /** `export * from './x'`: the files. */
  starExports: string[];
}

const EXTENSIONS = ['.ts', '.tsx', '.mts', '.cts', '.js', '.jsx', '.mjs', '.cjs'];

/** A relative specifier to a file under root: `./x`, `./x.js` (for `x.ts`), `./x.ts`, `./dir` (its index). */
export function resolveSpecifier(root: string, fromFile: string, spec: string): string | undefined {
  if (!spec.startsWith('.')) return undefined;
  const base = path.join(root, path.dirname(fromFile), spec);
  const stem = base.replace(/\.(m|c)?jsx?$/, '');
  const candidates = [base, ...EXTENSIONS.map((e) => stem + e), ...EXTENSIONS.map((e) => path.join(base, `index${e}`))];
  for (const c of candidates) if (/\.[mc]?[jt]sx?$/.test(c) && !c.endsWith('.d.ts') && existsSync(c)) return path.relative(root, c).split(path.sep).join('/');
  return undefined;
}

export class SourceIndex {
  private readonly files = new Map<string, FileIndex | null>();

  constructor(
    readonly root: string,
    private readonly project: Project,
    private readonly morph: TsMorph,
  ) {}

  /** The file's index, or undefined when it cannot be read or parsed. */
  get(file: string): FileIndex | undefined {
    if (!this.files.has(file)) this.files.set(file, this.read(file) ?? null);
    return this.files.get(file) ?? undefined;
  }

  /** The file and local name that declare `name` as `file` exports it, through re-exports; undefined when not found. */
  declaring(file: string, name: string, depth = 0): { index: FileIndex; local: string } | undefined {
    const f = this.get(file);
    if (!f || depth > 8) return undefined;
    const local = f.localExports.get(name) ?? name;
    if (f.declarations.has(local)) return { index: f, local };
    const re = f.reexports.get(name);
    if (re?.file) return this.declaring(re.file, re.name, depth + 1);
    for (const star of f.starExports) {
      const found = this.declaring(star, name, depth + 1);
      if (found) return found;
    }
    return undefined;
  }

  private read(file: string): FileIndex | undefined {
    let source: SourceFile;
    try {
      source = this.project.addSourceFileAtPath(path.join(this.root, file));
    } catch {
      return undefined;
    }
    const index: FileIndex = { file, source, declarations: new Map(), imports: new Map(), localExports: new Map(), reexports: new Map(), starExports: [] };
    for (const statement of source.getStatements()) this.indexStatement(index, statement);
    return index;
  }

  private indexStatement(index: FileIndex, statement: Statement): void {
    const { Node } = this.morph;
    const declare = (name: string | undefined) => {
      if (!name) return;
      const list = index.declarations.get(name) ?? [];
      list.push(statement);
      index.declarations.set(name, list);
    };
    if (Node.isImportDeclaration(statement)) this.indexImport(index, statement);
    else if (Node.isExportDeclaration(statement)) this.indexExport(index, statement);
    else if (Node.isExportAssignment(statement)) {
      if (!statement.isExportEquals()) declare('default');
    } else if (Node.isVariableStatement(statement)) {
      for (const d of statement.getDeclarations()) for (const name of bindingNames(this.morph, d.getNameNode())) declare(name);
    } else if (Node.isFunctionDeclaration(statement) || Node.isClassDeclaration(statement)) {
      declare(statement.getName());
      if (statement.isDefaultExport()) declare('default');
    } else if (Node.isInterfaceDeclaration(statement) || Node.isTypeAliasDeclaration(statement) || Node.isEnumDeclaration(statement)) {
      declare(statement.getName());
    } else if (Node.isModuleDeclaration(statement)) declare(statement.getName());
  }

  private indexImport(index: FileIndex, d: ImportDeclaration): void {
    const spec = d.getModuleSpecifierValue();
    const file = resolveSpecifier(this.root, index.file, spec);
    const typeOnly = d.isTypeOnly();
    const def = d.getDefaultImport();
    if (def) index.imports.set(def.getText(), { spec, file, imported: 'default', typeOnly, declaration: d });
    const ns = d.getNamespaceImport();
    if (ns) index.imports.set(ns.getText(), { spec, file, imported: '*', typeOnly, declaration: d });
    for (const n of d.getNamedImports()) {
      const local = n.getAliasNode()?.getText() ?? n.getName();
      index.imports.set(local, { spec, file, imported: n.getName(), typeOnly: typeOnly || n.isTypeOnly(), declaration: d });
    }
  }

  private indexExport(index: FileIndex, d: ExportDeclaration): void {
    const spec = d.getModuleSpecifierValue();
    if (spec === undefined) {
      for (const n of d.getNamedExports()) index.localExports.set(n.getAliasNode()?.getText() ?? n.getName(), n.getName());
      return;
    }
    const file = resolveSpecifier(this.root, index.file, spec);
    if (d.isNamespaceExport() && !d.getNamespaceExport()) {
      if (file) index.starExports.push(file);
      return;
    }
    for (const n of d.getNamedExports()) index.reexports.set(n.getAliasNode()?.getText() ?? n.getName(), { file, spec, name: n.getName() });
  }
}

/** The names a variable declaration binds: `a`, or each name of `{ a, b: c }` / `[x, y]`. */
function bindingNames(morph: TsMorph, name: Node): string[] {
  const { Node } = morph;
  if (Node.isIdentifier(name)) return [name.getText()];
  if (Node.isObjectBindingPattern(name) || Node.isArrayBindingPattern(name)) {
    return name.getElements().flatMap((e) => (Node.isBindingElement(e) ? bindingNames(morph, e.getNameNode()) : []));
  }
  return [];
}
