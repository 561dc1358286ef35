/**
 * A system program a test runs for real (Debian's nginx, haproxy): found on the PATH or in the usual sbin folders,
 * or installed with `apt-get install -y <package>` when it is missing and we run as root (CI runs on a fresh
 * machine as root). Otherwise the test fails with one sentence saying what is missing and how to get it: never a skip.
 *
 * Installs are serialized across test processes with a lock folder, since two apt-get runs at once fail on dpkg's lock.
 */
import { execa } from 'execa';
import { existsSync } from 'node:fs';
import { mkdir, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { until } from './until.ts';

const SEARCH = ['/usr/sbin', '/usr/bin', '/sbin', '/bin', '/usr/local/sbin', '/usr/local/bin'];
const LOCK = path.join(os.tmpdir(), 'strangler-apt-install.lock');

function locate(binary: string): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(path.delimiter).filter(Boolean), ...SEARCH];
  return dirs.map((d) => path.join(d, binary)).find((p) => existsSync(p));
}

async function withInstallLock<T>(fn: () => Promise<T>): Promise<T> {
  await until(`the apt install lock ${LOCK}`, async () => {
    try {
      await mkdir(LOCK);
      return true;
    } catch {
      // a lock left by a killed run older than 15 minutes is stale
      const s = await stat(LOCK).catch(() => undefined);
      if (s && Date.now() - s.mtimeMs > 15 * 60_000) await rm(LOCK, { recursive: true, force: true });
      return false;
    }
  }, 20 * 60_000, 500);
  try {
    return await fn();
  } finally {
    await rm(LOCK, { recursive: true, force: true });
  }
}

async function aptGet(args: string[]): Promise<{ ok: boolean; output: string }> {
  const r = await execa('apt-get', ['-o', 'Acquire::Retries=3', '-o', 'DPkg::Lock::Timeout=600', ...args], {
    reject: false,
    all: true,
    stdin: 'ignore',
    env: { DEBIAN_FRONTEND: 'noninteractive' },
  });
  return { ok: r.exitCode === 0, output: String(r.all ?? '').split('\n').slice(-5).join(' | ') };
}

/**
 * The absolute path of `binary`, installing Debian's `aptPackage` when it is missing.
 * Throws (failing the test) when it is missing and cannot be installed.
 */
export async function systemBinary(binary: string, aptPackage = binary): Promise<string> {
  const found = locate(binary);
  if (found) return found;
  const root = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!root || !locate('apt-get')) {
    throw new Error(`${binary} is not installed and cannot be installed here (${root ? 'no apt-get' : 'not root'}): install the Debian package ${aptPackage} (apt-get install -y ${aptPackage})`);
  }
  return withInstallLock(async () => {
    const again = locate(binary);
    if (again) return again;
    let install = await aptGet(['install', '-y', '--no-install-recommends', aptPackage]);
    if (!install.ok) {
      // a fresh machine has no package lists yet
      const update = await aptGet(['update']);
      if (!update.ok) throw new Error(`apt-get update failed while installing ${aptPackage} for ${binary}: ${update.output}`);
      install = await aptGet(['install', '-y', '--no-install-recommends', aptPackage]);
    }
    const installed = locate(binary);
    if (!install.ok || !installed) throw new Error(`apt-get install -y ${aptPackage} did not provide ${binary}: ${install.output}`);
    return installed;
  });
}
