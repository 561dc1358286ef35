// npm run bench:analyze [-- --statements N --lines N]
// Both analyze benchmarks, one after the other, each given the same arguments (each reads its own flags):
// query logs vs pgBadger (bench/analyze-logs.ts) and code vs dependency-cruiser (bench/analyze-code.ts).
import { execa } from 'execa';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
for (const part of ['analyze-logs.ts', 'analyze-code.ts']) {
  await execa(process.execPath, ['--import', 'tsx', path.join(here, part), ...process.argv.slice(2)], { stdio: 'inherit' });
}
