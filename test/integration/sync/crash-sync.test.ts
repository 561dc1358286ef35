/**
 * Crash safety: `strangler sync start` as a child process, killed with SIGKILL at seeded random moments (during
 * the backfill and while streaming, under a concurrent write workload) and restarted each time. At the end the
 * service must hold exactly the monolith's rows: none lost, none duplicated, none diverged.
 */
import { execa, type ResultPromise } from 'execa';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../../harness/databases.ts';
import { compareDatabases, createSourceSchema, prng, startWorkload, SYNC_TABLES, waitForEqual } from './sync-fixture.ts';

const BIN = path.resolve('bin/strangler.js');
const dbs: { drop(): Promise<void> }[] = [];
const children = new Set<ResultPromise>();
let dir: string;

afterAll(async () => {
  for (const c of children) c.kill('SIGKILL');
  for (const d of dbs) await d.drop().catch(() => {});
  if (dir) await rm(dir, { recursive: true, force: true });
});

function start(config: string): ResultPromise {
  const child = execa('node', [BIN, '--config', config, 'sync', 'start', 'catalog'], {
    reject: false,
    env: { NO_COLOR: '1' },
    all: true,
    buffer: { all: true },
  });
  children.add(child);
  void child.finally(() => children.delete(child));
  return child;
}

describe('sync crash safety (kill -9 at random moments, restart each time)', () => {
  let source: string;
  let target: string;
  let config: string;
  beforeAll(async () => {
    const s = await createTestDatabase('crash_src');
    const t = await createTestDatabase('crash_tgt');
    dbs.push(s, t);
    source = s.url;
    target = t.url;
    await createSourceSchema(source, 50_000);
    dir = await mkdtemp(path.join(os.tmpdir(), 'strangler-sync-crash-'));
    config = path.join(dir, 'strangler.yaml');
    await writeFile(
      config,
      `version: 1\nmonolith:\n  database: ${source}\ncontexts:\n  catalog:\n    tables: [${SYNC_TABLES.join(', ')}]\n    service:\n      database: ${target}\n    sync:\n      batchSize: 100\n`,
    );
  });

  it('loses, duplicates and diverges nothing over 20 kills', async () => {
    const seed = Number(process.env.SYNC_CRASH_SEED ?? 20241124);
    const rnd = prng(seed);
    const workload = startWorkload(source, { seed, clients: 2 });
    const logs: string[] = [];
    let kills = 0;
    try {
      for (let i = 0; i < 20; i++) {
        const child = start(config);
        // early kills land in the backfill (right after the slot is created, which is when it starts: a fast
        // backfill would otherwise be over before a timed kill), later ones at random moments once it streams (a
        // fixed delay would land in the backfill on a slow or busy machine)
        const began = Date.now();
        await untilOutput(child, i < 4 ? /created at/ : /streaming changes/, 30_000);
        await new Promise((r) => setTimeout(r, i < 4 ? rnd() * 30 : rnd() * 2_500));
        const wait = Date.now() - began;
        child.kill('SIGKILL');
        const r = await child;
        if (r.signal === 'SIGKILL') kills++;
        logs.push(`run ${i} (${Math.round(wait)} ms): ${String(r.all ?? '').split('\n').filter((l) => /created at|streaming changes|retrying/.test(l)).join(' | ')}`);
        if (!r.signal && r.exitCode !== 0) throw new Error(`sync exited by itself with ${r.exitCode}: ${String(r.all)}`);
      }
    } finally {
      const w = await workload.stop();
      logs.push(`workload: ${w.operations} operations`);
    }
    const final = start(config);
    const cmp = await waitForEqual(source, target, 90_000);
    final.kill('SIGTERM');
    const r = await final;
    const summary = cmp.map((c) => `${c.table}: ${c.sourceRows}/${c.targetRows} lost ${c.lost} extra ${c.extra} diverged ${c.diverged}`).join('; ');
    expect(kills, logs.join('\n')).toBeGreaterThanOrEqual(20);
    // the kills hit both phases
    expect(logs.filter((l) => /created at/.test(l) && !/streaming changes/.test(l)).length, logs.join('\n')).toBeGreaterThan(0);
    expect(logs.filter((l) => /streaming changes/.test(l)).length, logs.join('\n')).toBeGreaterThan(5);
    expect(cmp.every((c) => c.lost === 0 && c.extra === 0 && c.diverged === 0), `${summary}\n${logs.join('\n')}\n${String(r.all)}`).toBe(true);
    expect(r.exitCode, String(r.all)).toBe(0);
    expect(String(r.all)).toMatch(/stopped/);
    expect((await compareDatabases(source, target)).find((c) => c.table === 'items')!.sourceRows).toBeGreaterThan(40_000);

    // status reads the slot and the checkpoint
    const status = await execa('node', [BIN, '--config', config, 'sync', 'status', 'catalog', '--json'], { reject: false, env: { NO_COLOR: '1' } });
    expect(status.exitCode, status.stderr).toBe(0);
    const s = JSON.parse(status.stdout);
    expect(s.contexts[0]).toMatchObject({ context: 'catalog', runningPid: null, target: { phase: 'streaming', reachable: true }, source: { slot: { exists: true, active: false } } });
    expect(s.contexts[0].target.rowsApplied).toBeGreaterThan(0);
  }, 360_000);
});

/** Resolves once the child's output matches `pattern`, it ends, or `ms` pass. */
function untilOutput(child: ResultPromise, pattern: RegExp, ms: number): Promise<void> {
  return new Promise<void>((resolve) => {
    let seen = '';
    const onData = (d: Buffer) => {
      seen += d.toString();
      if (pattern.test(seen)) done();
    };
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      child.all?.off('data', onData);
      resolve();
    }
    child.all?.on('data', onData);
    void child.finally(done);
  });
}
