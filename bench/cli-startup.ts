// npm run bench:cli-startup [-- --repeat R]   (R interleaved runs of each, the median is reported)
// How long `strangler --version` and `strangler --help` take from the installed package (npm pack, then
// npm install --omit=dev into an empty folder: compiled dist/ on plain Node), against the same commands from a
// checkout (the TypeScript through tsx, as every start ran before the package shipped JavaScript) and against a bare
// `node -e ''` in the same run (the floor: Node's own start-up).
import { execa } from 'execa';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { packAndInstall, plainEnv, repoRoot } from '../test/harness/packed-install.ts';

const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1]! : fallback;
};
const repeat = Math.max(1, Number(arg('repeat', '15')));

async function seconds(command: string, args: string[], cwd: string): Promise<number> {
  const start = process.hrtime.bigint();
  const r = await execa(command, args, { cwd, env: plainEnv(), extendEnv: false, reject: false });
  if (r.exitCode !== 0) throw new Error(`${command} ${args.join(' ')} exited ${r.exitCode}: ${r.stderr}`);
  return Number(process.hrtime.bigint() - start) / 1e9;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const pkg = await packAndInstall();
const installed = path.join(pkg.dir, 'node_modules/.bin/strangler');
const checkout = path.join(repoRoot, 'bin/strangler.js');
const cases: Record<string, [string, string[], string]> = {
  'installed --version': [installed, ['--version'], pkg.dir],
  'installed --help': [installed, ['--help'], pkg.dir],
  'checkout (tsx) --version': [process.execPath, [checkout, '--version'], repoRoot],
  'checkout (tsx) --help': [process.execPath, [checkout, '--help'], repoRoot],
  "node -e ''": [process.execPath, ['-e', ''], pkg.dir],
};
const runs: Record<string, number[]> = Object.fromEntries(Object.keys(cases).map((k) => [k, []]));
for (const [, c] of Object.entries(cases)) await seconds(...c); // warm the page cache
for (let i = 0; i < repeat; i++) {
  for (const [name, c] of Object.entries(cases)) runs[name]!.push(await seconds(...c));
}
const results = Object.fromEntries(Object.entries(runs).map(([k, v]) => [k, { medianSeconds: median(v), runs: v }]));
const m = (k: string) => results[k]!.medianSeconds;
console.log(`strangler ${pkg.version} start-up, median of ${repeat} runs`);
for (const k of Object.keys(cases)) console.log(`${k.padEnd(26)} ${m(k).toFixed(3)} s`);
const ratio = {
  versionCheckoutOverInstalled: m('checkout (tsx) --version') / m('installed --version'),
  helpCheckoutOverInstalled: m('checkout (tsx) --help') / m('installed --help'),
  helpInstalledOverBareNode: m('installed --help') / m("node -e ''"),
};
console.log(`installed is ${ratio.versionCheckoutOverInstalled.toFixed(1)}x faster than the checkout for --version, ${ratio.helpCheckoutOverInstalled.toFixed(1)}x for --help; --help costs ${ratio.helpInstalledOverBareNode.toFixed(1)}x a bare node start`);
await mkdir(path.join(repoRoot, 'bench/results'), { recursive: true });
await writeFile(path.join(repoRoot, 'bench/results/cli-startup.json'), `${JSON.stringify({ version: pkg.version, repeat, results, ratio }, null, 2)}\n`);
