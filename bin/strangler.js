#!/usr/bin/env node
// Shim: run the CLI and hand its exit code to the process.
// Installed from the package there is no src/: the compiled dist/ runs on plain Node.
// In a checkout of the repository the TypeScript in src/ runs through tsx, so edits take effect at once
// (and a `npm pack` building dist/ meanwhile never changes what a running checkout executes).
import { existsSync } from 'node:fs';

const source = new URL('../src/cli.ts', import.meta.url);
let main;
if (existsSync(source)) {
  const [{ register }, { register: registerHooks }] = await Promise.all([import('tsx/esm/api'), import('node:module')]);
  register();
  // Package self-references (`strangler-fig/outbox`) resolve to the TypeScript source too.
  registerHooks(new URL('./source-conditions.js', import.meta.url));
  ({ main } = await import(source.href));
} else {
  ({ main } = await import('../dist/cli.js'));
}
process.exitCode = await main(process.argv);
