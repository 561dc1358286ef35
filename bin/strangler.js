#!/usr/bin/env node
// Shim: run the TypeScript CLI through tsx and hand its exit code to the process.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli.ts');
process.exitCode = await main(process.argv);
