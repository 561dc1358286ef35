#!/usr/bin/env node
// Before `npm test`: the HTML report test drives a headless Chromium (through playwright-core). When
// none is installed and we may install packages (root, apt-get present), install Debian's `chromium`.
// Otherwise say what is missing; under CI=true that is an error (the test would otherwise be skipped).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const candidates = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'].filter(Boolean);
const found = candidates.find((p) => existsSync(p));
if (found) process.exit(0);

const root = typeof process.getuid === 'function' && process.getuid() === 0;
const hasApt = existsSync('/usr/bin/apt-get');
if (!root || !hasApt) {
  const why = !hasApt ? 'apt-get is not available' : 'not running as root';
  const msg = `ensure-chromium: no Chromium found (${candidates.join(', ')}) and ${why}; install Chromium or set CHROMIUM_PATH`;
  console.error(msg);
  process.exit(process.env.CI ? 1 : 0);
}

const run = (args, attempts) => {
  for (let i = 1; i <= attempts; i++) {
    console.log(`ensure-chromium: apt-get ${args.join(' ')}${attempts > 1 ? ` (attempt ${i}/${attempts})` : ''}`);
    const r = spawnSync('apt-get', args, { stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
    if (r.status === 0) return true;
  }
  return false;
};

console.log('ensure-chromium: /usr/bin/chromium is missing; installing the Debian package (needed by the HTML report test)');
const ok = run(['-o', 'Acquire::Retries=3', 'update'], 2) && run(['-o', 'Acquire::Retries=3', 'install', '-y', '--no-install-recommends', 'chromium'], 2);
if (!ok || !existsSync('/usr/bin/chromium')) {
  console.error('ensure-chromium: could not install chromium with apt-get');
  process.exit(process.env.CI ? 1 : 0);
}
console.log('ensure-chromium: installed /usr/bin/chromium');
