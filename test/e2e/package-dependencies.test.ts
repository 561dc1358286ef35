/**
 * Every package that src/ imports at run time (static or lazy `import()`, not `import type`) is a runtime
 * dependency of the published package: installed with `--omit=dev`, a devDependency is missing and the command breaks.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../harness/packed-install.ts';

interface Manifest {
  name: string;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
}
const manifest = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as Manifest;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? sourceFiles(p) : /\.tsx?$/.test(e.name) && !e.name.endsWith('.d.ts') ? [p] : [];
  });
}

/** Bare specifiers a file loads when it runs. */
function runtimeImports(text: string, fileName = 'x.ts'): string[] {
  const file = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, false, fileName.endsWith('x') ? ts.ScriptKind.TSX : ts.ScriptKind.TS);
  const out: string[] = [];
  const visit = (node: ts.Node) => {
    if (ts.isImportDeclaration(node) && !node.importClause?.isTypeOnly && ts.isStringLiteral(node.moduleSpecifier)) {
      const named = node.importClause?.namedBindings;
      const allTypes = !node.importClause?.name && named && ts.isNamedImports(named) && named.elements.length > 0 && named.elements.every((e) => e.isTypeOnly);
      if (!allTypes) out.push(node.moduleSpecifier.text);
    } else if (ts.isExportDeclaration(node) && !node.isTypeOnly && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      out.push(node.moduleSpecifier.text);
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword && node.arguments[0] && ts.isStringLiteral(node.arguments[0])) {
      out.push(node.arguments[0].text);
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  return out;
}

const packageOf = (specifier: string) => (specifier.startsWith('@') ? specifier.split('/').slice(0, 2).join('/') : specifier.split('/')[0]!);
const isBuiltin = (s: string) => s.startsWith('node:') || builtinModules.includes(s.split('/')[0]!);

describe('runtime dependencies of the package', () => {
  it('finds runtime imports and leaves out type-only ones', () => {
    const found = runtimeImports(
      "import type { A } from 'a';\nimport { type B } from 'b';\nimport { c } from 'c/sub';\nexport { d } from 'd';\nconst e = await import('e');\ntype F = import('f').F;",
    );
    expect(found).toEqual(['c/sub', 'd', 'e']);
  });

  it('every package src/ imports at run time is in dependencies or optionalDependencies, never only in devDependencies', () => {
    const runtime = { ...manifest.dependencies, ...manifest.optionalDependencies };
    const missing: string[] = [];
    for (const file of sourceFiles(path.join(repoRoot, 'src'))) {
      for (const specifier of runtimeImports(readFileSync(file, 'utf8'), file)) {
        if (specifier.startsWith('.') || isBuiltin(specifier)) continue;
        const name = packageOf(specifier);
        if (name === manifest.name) continue;
        if (!runtime[name]) missing.push(`${path.relative(repoRoot, file)} imports ${name}${manifest.devDependencies?.[name] ? ' (only a devDependency)' : ''}`);
      }
    }
    expect(missing).toEqual([]);
  });

  it('the analyzers and the CLI core are not optional: typescript, commander, zod, yaml are plain dependencies', () => {
    for (const name of ['typescript', 'commander', 'zod', 'yaml']) expect(manifest.dependencies?.[name], name).toBeDefined();
  });
});
