/**
 * `strangler sync status --watch`: one status per refresh (text, or a JSON line each) when not on a terminal, ended
 * by SIGINT with exit 0; a live ink dashboard in a terminal (a pseudo-terminal from util-linux `script`), q quits.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { stripVTControlCharacters } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../harness/databases.ts';

const bin = fileURLToPath(new URL('../../bin/strangler.js', import.meta.url));
const dbs: { drop(): Promise<void> }[] = [];
let dir: string;
let config: string;

beforeAll(async () => {
  const s = await createTestDatabase('watch_src');
  const t = await createTestDatabase('watch_tgt');
  dbs.push(s, t);
  dir = await mkdtemp(path.join(os.tmpdir(), 'sync-watch-'));
  config = path.join(dir, 'strangler.yaml');
  await writeFile(config, `version: 1\nmonolith:\n  database: ${s.url}\ncontexts:\n  catalog:\n    tables: [items]\n    service:\n      database: ${t.url}\n`);
});
afterAll(async () => {
  for (const d of dbs) await d.drop().catch(() => {});
});

/** Runs the CLI in its own process group and collects what it prints. */
function start(command: string, args: string[], env: NodeJS.ProcessEnv) {
  const child = spawn(command, args, { cwd: dir, env: { ...env, NO_COLOR: '1' }, detached: true });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  let closed = false;
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(((closed = true), code))));
  const screen = () => stripVTControlCharacters(out);
  const until = async (check: () => boolean, what: string, timeout = 30_000) => {
    for (const deadline = Date.now() + timeout; !check(); await new Promise((r) => setTimeout(r, 100))) {
      if (closed || Date.now() > deadline) throw new Error(`${closed ? 'ended' : 'timed out'} waiting for ${what}:\n${screen()}`);
    }
  };
  const kill = () => {
    if (!closed) process.kill(-child.pid!, 'SIGKILL');
  };
  return { child, exited, screen, until, kill };
}

describe('strangler sync status --watch', () => {
  it('prints a status per refresh until interrupted, then exits 0; --json gives one object per line', async () => {
    const plain = start('node', [bin, '--config', config, 'sync', 'status', 'catalog', '--watch', '1'], process.env);
    try {
      await plain.until(() => (plain.screen().match(/^context\s+process/gm) ?? []).length >= 2, 'two refreshes');
      plain.child.kill('SIGINT');
      expect(await plain.exited).toBe(0);
    } finally {
      plain.kill();
    }
    expect(plain.screen()).toMatch(/catalog\s+not running\s+-\s+absent/);

    const json = start('node', [bin, '--config', config, '--json', 'sync', 'status', '--watch', '1'], process.env);
    try {
      await json.until(() => json.screen().trim().split('\n').length >= 2, 'two JSON lines');
      json.child.kill('SIGINT');
      expect(await json.exited).toBe(0);
    } finally {
      json.kill();
    }
    const objects = json.screen().trim().split('\n').map((l) => JSON.parse(l) as { at: string; contexts: { context: string }[] });
    expect(objects.length).toBeGreaterThanOrEqual(2);
    expect(objects.every((o) => o.contexts[0]!.context === 'catalog' && !Number.isNaN(Date.parse(o.at)))).toBe(true);
  });

  it('in a terminal shows a live dashboard that q closes', async () => {
    // Without CI in the environment: under CI the command stays plain even in a terminal.
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== 'CI' && k !== 'CONTINUOUS_INTEGRATION'));
    const tty = start('script', ['-qfec', `stty cols 140 rows 24; exec node ${bin} --config ${config} sync status catalog --watch 1`, '/dev/null'], env);
    try {
      await tty.until(() => tty.screen().includes('strangler sync status — every 1 s, last'), 'the dashboard', 60_000);
      await tty.until(() => /catalog\s+not running/.test(tty.screen()), 'the status table');
      tty.child.stdin.write('q');
      tty.child.stdin.end();
      expect(await tty.exited).toBe(0);
    } finally {
      tty.kill();
    }
  });

  it('rejects a zero interval with exit 2', async () => {
    const bad = start('node', [bin, '--config', config, 'sync', 'status', '--watch', '0'], process.env);
    expect(await bad.exited).toBe(2);
    expect(bad.screen()).toMatch(/--watch expects a positive integer, got "0"/);
  });
});
