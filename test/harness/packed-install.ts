/**
 * The package as a user gets it: `npm pack` of this checkout (which builds dist/ on prepack), then
 * `npm install --omit=dev <tarball>` into an empty folder. Used by the package test and `npm run bench:cli-startup`.
 */
import { execa } from 'execa';
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

export interface PackedInstall {
  /** The folder the tarball was installed into (its node_modules/.bin/strangler is the CLI). */
  dir: string;
  /** node_modules/<name>: the installed package. */
  packageDir: string;
  name: string;
  version: string;
  tarball: string;
  /** Paths inside the tarball. */
  files: string[];
  /** Runs the installed `strangler` with `args` in `cwd` (default: the install folder). */
  strangler(args: string[], cwd?: string): Promise<{ code: number; stdout: string; stderr: string }>;
}

/** The environment without what `npm run`/`npm test` set for their own package, so the inner npm sees a plain shell. */
export function plainEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k) && k !== 'INIT_CWD' && k !== 'NODE_OPTIONS'));
  return { ...env, NO_COLOR: '1', ...extra };
}

export async function packAndInstall(): Promise<PackedInstall> {
  const work = await mkdtemp(path.join(os.tmpdir(), 'strangler-pkg-'));
  const packed = await execa('npm', ['pack', '--pack-destination', work, '--json'], { cwd: repoRoot, env: plainEnv(), extendEnv: false });
  const [info] = JSON.parse(packed.stdout.slice(packed.stdout.indexOf('['))) as { name: string; version: string; filename: string; files: { path: string }[] }[];
  const tarball = path.join(work, info!.filename);
  const dir = path.join(work, 'app');
  await mkdir(dir);
  await writeFile(path.join(dir, 'package.json'), `${JSON.stringify({ name: 'app', version: '1.0.0', private: true }, null, 2)}\n`);
  await execa('npm', ['install', '--omit=dev', '--no-audit', '--no-fund', '--prefer-offline', tarball], { cwd: dir, env: plainEnv(), extendEnv: false });
  const bin = path.join(dir, 'node_modules', '.bin', 'strangler');
  const packageDir = path.join(dir, 'node_modules', info!.name);
  const manifest = JSON.parse(await readFile(path.join(packageDir, 'package.json'), 'utf8')) as { version: string };
  return {
    dir,
    packageDir,
    name: info!.name,
    version: manifest.version,
    tarball,
    files: info!.files.map((f) => f.path),
    async strangler(args, cwd = dir) {
      const r = await execa(bin, args, { cwd, env: plainEnv(), extendEnv: false, reject: false });
      return { code: r.exitCode ?? -1, stdout: r.stdout, stderr: r.stderr };
    },
  };
}
