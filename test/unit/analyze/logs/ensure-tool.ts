/**
 * A command-line tool the tests need (the decompressors): installed with Debian's apt-get when it is missing and
 * we may (root, apt-get present); otherwise the test fails saying what to install.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const found = (command: string) => spawnSync('sh', ['-c', `command -v ${command}`]).status === 0;

export async function ensureTool(command: string, pkg: string): Promise<void> {
  if (found(command)) return;
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!isRoot || !existsSync('/usr/bin/apt-get')) throw new Error(`\`${command}\` is needed by this test: install it (Debian/Ubuntu: apt-get install ${pkg})`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  spawnSync('apt-get', ['-o', 'Acquire::Retries=3', 'update'], { env, stdio: 'ignore' });
  spawnSync('apt-get', ['-o', 'Acquire::Retries=3', 'install', '-y', '--no-install-recommends', pkg], { env, stdio: 'ignore' });
  if (!found(command)) throw new Error(`\`${command}\` could not be installed with apt-get install ${pkg}`);
}
