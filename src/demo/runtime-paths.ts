/**
 * Where the demo finds what it runs: the package's own folder, the bundled sample monolith, tsx (an optional
 * dependency: the sample and the generated service are TypeScript) and a node_modules the generated service can use.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { EnvironmentError } from '../errors.ts';

/** The package root: src/demo/ in a checkout, dist/demo/ once built, both two levels down. */
export const PACKAGE_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const SAMPLE_MONOLITH = path.join(PACKAGE_ROOT, 'fixtures', 'sample-monolith');

/** A checkout of the repository runs the TypeScript in src/ (bin/strangler.js does the same test). */
export function isSourceCheckout(): boolean {
  return existsSync(path.join(PACKAGE_ROOT, 'src', 'cli.ts'));
}

/**
 * Node flags that run a TypeScript entry point through tsx. In a checkout, `strangler-fig/outbox` (which the sample
 * imports) must resolve to the TypeScript source: the `strangler-source` condition; installed, to the compiled dist/.
 */
export function tsxNodeArgs(): string[] {
  let loader: string;
  try {
    loader = import.meta.resolve('tsx');
  } catch {
    throw new EnvironmentError('the optional dependency tsx is not installed (the sample monolith and the generated service are TypeScript)', 'install it next to strangler: npm install tsx');
  }
  return ['--import', loader, ...(isSourceCheckout() ? ['--conditions=strangler-source'] : [])];
}

/** What the generated service imports at run time (its package.json's dependencies). */
export function nodeModulesWith(packages: string[], from = PACKAGE_ROOT): string | undefined {
  for (let dir = from; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'node_modules');
    if (packages.every((p) => existsSync(path.join(candidate, p, 'package.json')))) return candidate;
    if (path.dirname(dir) === dir) return undefined;
  }
}
