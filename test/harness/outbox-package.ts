/**
 * `strangler-fig/outbox` as a generated service resolves it once `npm install` has fetched strangler-fig: a
 * node_modules/strangler-fig under `dir` with the outbox entry point compiled (JavaScript and declarations) and the
 * package's exports map. Lets tests type-check and run services generated outside an npm install.
 */
import { execa } from 'execa';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = fileURLToPath(new URL('../..', import.meta.url));

export async function installOutboxPackage(dir: string): Promise<string> {
  const pkg = path.join(dir, 'node_modules', 'strangler-fig');
  const out = path.join(pkg, 'dist', 'outbox');
  if (existsSync(path.join(out, 'index.d.ts'))) return pkg;
  await mkdir(out, { recursive: true });
  const own = JSON.parse(await readFile(path.join(repo, 'package.json'), 'utf8')) as { version: string };
  const tsc = path.join(repo, 'node_modules/typescript/bin/tsc');
  const args = ['src/outbox/index.ts', '--outDir', out, '--rootDir', 'src/outbox', '--declaration', '--target', 'ES2022', '--module', 'NodeNext', '--moduleResolution', 'NodeNext', '--rewriteRelativeImportExtensions', '--allowImportingTsExtensions', '--strict', '--skipLibCheck', '--types', 'node'];
  await execa(process.execPath, [tsc, ...args], { cwd: repo });
  for (const f of await readdir(out)) {
    if (!f.endsWith('.d.ts')) continue;
    const text = await readFile(path.join(out, f), 'utf8');
    await writeFile(path.join(out, f), text.replace(/(from\s+['"]\.{1,2}\/[^'"]+)\.ts(['"])/g, '$1.js$2'));
  }
  const exportsMap = { './outbox': { types: './dist/outbox/index.d.ts', default: './dist/outbox/index.js' }, './package.json': './package.json' };
  await writeFile(path.join(pkg, 'package.json'), `${JSON.stringify({ name: 'strangler-fig', version: own.version, type: 'module', exports: exportsMap }, null, 2)}\n`);
  return pkg;
}
