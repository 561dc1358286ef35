#!/usr/bin/env node
/**
 * Builds the published package: compiles every file under src/ into dist/ (tsconfig.build.json), writes the type
 * declarations of the `outbox` entry point, and copies the non-TypeScript files found under src/ (templates, JSON...)
 * alongside. The new tree is built in a temporary folder and moved into place, so dist/ is never half-written.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const staging = path.join(root, `dist.tmp-${process.pid}`);
const dist = path.join(root, 'dist');

function compile(project) {
  const r = spawnSync(process.execPath, [tsc, '-p', project, '--outDir', staging], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) {
    rmSync(staging, { recursive: true, force: true });
    console.error(`build: tsc -p ${project} failed (exit ${r.status ?? r.signal}); dist/ left as it was`);
    process.exit(1);
  }
}

/** Copies every file under src/ that tsc does not emit (anything but .ts/.tsx) to the same place in the build. */
function copyAssets(dir = 'src') {
  for (const entry of readdirSync(path.join(root, dir), { withFileTypes: true })) {
    const rel = path.join(dir, entry.name);
    if (entry.isDirectory()) copyAssets(rel);
    else if (!/\.(ts|tsx|mts|cts)$/.test(entry.name) || entry.name.endsWith('.d.ts')) {
      cpSync(path.join(root, rel), path.join(staging, path.relative('src', rel)));
    }
  }
}

/** Declarations keep the source's `.ts` import suffixes; point them at the emitted `.js` files as the code does. */
function rewriteDeclarationImports(dir = staging) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const file = path.join(dir, entry.name);
    if (entry.isDirectory()) rewriteDeclarationImports(file);
    else if (entry.name.endsWith('.d.ts')) {
      const text = readFileSync(file, 'utf8');
      writeFileSync(file, text.replace(/(from\s+['"]\.{1,2}\/[^'"]+)\.tsx?(['"])/g, '$1.js$2'));
    }
  }
}

rmSync(staging, { recursive: true, force: true });
compile('tsconfig.build.json');
compile('tsconfig.outbox-types.json');
rewriteDeclarationImports();
copyAssets();
if (existsSync(dist)) rmSync(dist, { recursive: true, force: true });
renameSync(staging, dist);
console.error(`build: dist/ written from src/`);
