// Child process of bench/analyze-code.ts: scans one code tree with strangler's scanner and prints what it
// found, the seconds it took and the process's peak RSS.
import { scanCode } from '../src/analyzers/code/scan-code.ts';

const root = process.argv[2]!;
const start = process.hrtime.bigint();
const model = await scanCode({ root });
const seconds = Number(process.hrtime.bigint() - start) / 1e9;
const lines = model.modules.reduce((s, m) => s + m.lines, 0);
process.stdout.write(
  `${JSON.stringify({ modules: model.modules.length, lines, imports: model.imports.length, calls: model.calls.length, tableAccess: model.tableAccess.length, routes: model.routes.length, seconds, maxRssMB: process.resourceUsage().maxRSS / 1024 })}\n`,
);
