/**
 * pgBadger for the benchmarks: the script named by PGBADGER (run with perl when it is not executable, e.g. the
 * `pgbadger` file of a clone of github:darold/pgbadger), else `pgbadger` on the PATH, else Debian's package
 * installed with apt-get when we may (root, apt-get present), as the tests do for Chromium.
 */
import { execa } from 'execa';
import { accessSync, constants, existsSync } from 'node:fs';

export interface Pgbadger {
  command: string;
  /** Arguments before pgBadger's own (the script, when it runs through perl). */
  args: string[];
  version: string;
}

export async function findPgbadger(): Promise<Pgbadger | undefined> {
  const given = process.env.PGBADGER;
  if (given) {
    let executable = true;
    try {
      accessSync(given, constants.X_OK);
    } catch {
      executable = false;
    }
    const p = executable ? { command: given, args: [] } : { command: 'perl', args: [given] };
    return { ...p, version: await versionOf(p) };
  }
  const onPath = async () => (await execa('sh', ['-c', 'command -v pgbadger'], { reject: false })).exitCode === 0;
  if (!(await onPath()) && !(await installWithApt())) return undefined;
  if (!(await onPath())) return undefined;
  const p = { command: 'pgbadger', args: [] };
  return { ...p, version: await versionOf(p) };
}

async function versionOf(p: { command: string; args: string[] }): Promise<string> {
  const r = await execa(p.command, [...p.args, '--version'], { reject: false });
  return /version\s+(\S+)/i.exec(r.stdout)?.[1] ?? 'unknown';
}

async function installWithApt(): Promise<boolean> {
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  const hasApt = existsSync('/usr/bin/apt-get');
  if (!isRoot || !hasApt) {
    const why = !hasApt ? 'apt-get is not available' : 'not running as root';
    process.stderr.write(`pgbadger is not installed and ${why}: its column stays 'n/a' (Debian/Ubuntu: sudo apt-get install pgbadger; or PGBADGER=<path to pgbadger's script>)\n`);
    return false;
  }
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  for (const args of [
    ['-o', 'Acquire::Retries=3', 'update'],
    // Text::CSV_XS for csvlog, JSON::XS for jsonlog: pgBadger reads neither without them.
    ['-o', 'Acquire::Retries=3', 'install', '-y', '--no-install-recommends', 'pgbadger', 'libtext-csv-xs-perl', 'libjson-xs-perl'],
  ]) {
    process.stderr.write(`pgbadger is missing: apt-get ${args.join(' ')}\n`);
    const r = await execa('apt-get', args, { env, reject: false, stdout: 'ignore', stderr: 'inherit' });
    if (r.exitCode !== 0) return false;
  }
  return true;
}
