/**
 * Background runs with real processes: liveness is the socket the live process holds, so a process killed with
 * SIGKILL (even one left a zombie, which still answers kill(pid, 0)) no longer counts as running; a detached run
 * that dies while starting makes `detachRun` fail with the child's exit code and its last error line.
 */
import { execa } from 'execa';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { BackgroundRunExited, detachRun, holdRun, probeRun, runFiles, stopRun } from '../../../src/process/background-run.ts';
import { UsageError } from '../../../src/errors.ts';
import { until } from '../../harness/until.ts';

const child = fileURLToPath(new URL('./hold-run-child.ts', import.meta.url));
const run = { id: 'probe', what: 'probe run', stop: 'kill it' };
const tmp = () => mkdtemp(path.join(os.tmpdir(), 'bgrun-'));

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('background runs', () => {
  it('refuses a second holder while the first lives, and takes over right after a kill -9 that left a zombie', async () => {
    const dir = await tmp();
    // sh starts the holder in the background and becomes `sleep`, which never reaps it: once killed it stays a zombie
    const sh = spawn('sh', ['-c', `${process.execPath} --import tsx ${child} hold ${dir} & echo $!; exec sleep 30`], { stdio: ['ignore', 'pipe', 'inherit'] });
    const pid = await new Promise<number>((resolve) => sh.stdout.once('data', (d: Buffer) => resolve(Number(String(d).trim()))));
    try {
      await until('the holder is ready', async () => (await probeRun(runFiles(dir, run)))?.ready === true);
      expect((await probeRun(runFiles(dir, run)))?.pid).toBe(pid);
      const refused = await holdRun(dir, run).catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(UsageError);
      expect((refused as Error).message).toBe(`probe run is already running (pid ${pid})`);
      process.kill(pid, 'SIGKILL');
      await until('the holder is dead (a zombie)', async () => (await readFile(`/proc/${pid}/stat`, 'utf8')).split(' ')[2] === 'Z');
      expect(alive(pid)).toBe(true); // the signal probe still says "alive"
      expect(await probeRun(runFiles(dir, run))).toBeUndefined();
      const held = await holdRun(dir, run);
      expect((await probeRun(runFiles(dir, run)))?.pid).toBe(process.pid);
      await held.release();
      expect(await probeRun(runFiles(dir, run))).toBeUndefined();
    } finally {
      sh.kill('SIGKILL');
    }
  });

  it('detaches a run that becomes ready, and stops it', async () => {
    const dir = await tmp();
    const r = await detachRun({ configDir: dir, run, args: ['--import', 'tsx', child, 'hold', dir] });
    expect(r.ready).toBe(true);
    expect((await probeRun(runFiles(dir, run)))?.pid).toBe(r.pid);
    await expect(detachRun({ configDir: dir, run, args: ['--import', 'tsx', child, 'hold', dir] })).rejects.toThrow(/already running \(pid \d+\)/);
    const stopped = await stopRun(dir, run, 10_000);
    expect(stopped).toMatchObject({ pid: r.pid, stopped: true });
    expect(await readFile(r.logFile, 'utf8')).toMatch(/ready/);
  });

  it.each([
    ['before holding the run', 'fail', 3, /exited with code 3 right after starting in the background: cannot reach the probe database at 127\.0\.0\.1:1/],
    ['after holding the run', 'fail-after-hold', 2, /exited with code 2 right after starting in the background: table public\.missing does not exist/],
  ])('fails with the exit code and the last error of a run that dies %s', async (_what, mode, code, message) => {
    const dir = await tmp();
    await writeFile(path.join(dir, 'placeholder'), '');
    const err = await detachRun({ configDir: dir, run, args: ['--import', 'tsx', child, mode, dir] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BackgroundRunExited);
    expect((err as BackgroundRunExited).exitCode).toBe(code);
    expect((err as Error).message).toMatch(message);
    expect(await probeRun(runFiles(dir, run))).toBeUndefined();
  });

  it('sync start --detach exits with the child sync\'s code and error when its pre-flight fails', async () => {
    const dir = await tmp();
    const db = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:1/postgres';
    await writeFile(path.join(dir, 'strangler.yaml'), `version: 1\nmonolith:\n  database: postgres://postgres@127.0.0.1:1/none\ncontexts:\n  catalog:\n    tables: [items]\n    service:\n      database: ${db}\n`);
    const bin = fileURLToPath(new URL('../../../bin/strangler.js', import.meta.url));
    const r = await execa('node', [bin, '--config', path.join(dir, 'strangler.yaml'), 'sync', 'start', 'catalog', '--detach', '--max-retries', '1'], { cwd: dir, reject: false, env: { NO_COLOR: '1' } });
    expect(r.exitCode, r.stderr).toBe(3);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/sync catalog exited with code 3 right after starting in the background: .*127\.0\.0\.1:1/);
    expect(r.stdout).toBe('');
  });
});
