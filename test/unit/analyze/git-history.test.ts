import { execa } from 'execa';
import { mkdtemp, mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { coChangesFromGitLog, parseCommits } from '../../../src/analyzers/history/parse-git-log.ts';
import { readGitHistory } from '../../../src/analyzers/history/read-git-history.ts';
import { buildCouplingGraph } from '../../../src/analyzers/graph/coupling-graph.ts';
import { UsageError } from '../../../src/errors.ts';

const LOG = [
  '--commit aaa',
  '',
  'src/orders.ts',
  'src/order-items.ts',
  '--commit bbb',
  '',
  'src/orders.ts',
  'src/order-items.ts',
  'README.md',
  '--commit ccc',
  '',
  'src/cart.ts',
  '--commit ddd',
  '',
  '--commit eee',
  'src/cart.ts',
  'src/orders.ts',
  '',
].join('\n');

describe('git co-change parsing', () => {
  it('splits the log into commits, empty ones included', () => {
    expect(parseCommits(LOG)).toEqual([['src/orders.ts', 'src/order-items.ts'], ['src/orders.ts', 'src/order-items.ts', 'README.md'], ['src/cart.ts'], [], ['src/cart.ts', 'src/orders.ts']]);
  });

  it('counts revisions per file and commits per pair, dropping rare pairs', () => {
    const h = coChangesFromGitLog(LOG, { minSharedCommits: 2 });
    expect(h.commits).toBe(5);
    expect(h.revisions['src/orders.ts']).toBe(3);
    expect(h.coChanges).toEqual([{ a: 'src/order-items.ts', b: 'src/orders.ts', commits: 2 }]);
    expect(coChangesFromGitLog(LOG, { minSharedCommits: 1 }).coChanges).toHaveLength(4);
  });

  it('ignores commits that touch too many files, and maps or drops files', () => {
    expect(coChangesFromGitLog(LOG, { minSharedCommits: 1, maxFilesPerCommit: 2 }).coChanges.map((c) => c.commits)).toEqual([1, 1]);
    const mapped = coChangesFromGitLog(LOG, { minSharedCommits: 1, mapFile: (f) => (f.startsWith('src/') ? f.slice(4) : undefined) });
    expect(mapped.coChanges.every((c) => !c.a.includes('/') && !c.b.includes('README'))).toBe(true);
  });

  it('becomes coChange evidence between known modules only', () => {
    const history = coChangesFromGitLog(LOG, { minSharedCommits: 1 });
    const code = { root: '.', modules: [{ path: 'src/orders.ts', lines: 1 }, { path: 'src/order-items.ts', lines: 1 }], imports: [], calls: [], tableAccess: [], routes: [], warnings: [] };
    const g = buildCouplingGraph({ code, history });
    expect([...g.edges.values()].map((e) => [e.a, e.b, e.evidence[0]!.kind, e.evidence[0]!.count])).toEqual([['module:src/order-items.ts', 'module:src/orders.ts', 'coChange', 2]]);
  });
});

describe('reading git history', () => {
  it('reads a real repository, with paths relative to the code root', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'git-history-'));
    const git = (...args: string[]) => execa('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args], { cwd: dir });
    await git('init', '-q');
    await mkdir(path.join(dir, 'app'));
    for (const round of [1, 2]) {
      await writeFile(path.join(dir, 'app/a.ts'), `export const a = ${round};\n`);
      await writeFile(path.join(dir, 'app/b.ts'), `export const b = ${round};\n`);
      await git('add', '.');
      await git('commit', '-q', '-m', `round ${round}`);
    }
    const h = await readGitHistory({ dir, codeRoot: path.join(dir, 'app') });
    expect(h.commits).toBe(2);
    expect(h.coChanges).toEqual([{ a: 'a.ts', b: 'b.ts', commits: 2 }]);
  });

  it('a folder that is not a repository is a usage error naming it', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'not-a-repo-'));
    await expect(readGitHistory({ dir })).rejects.toThrow(UsageError);
    await expect(readGitHistory({ dir })).rejects.toThrow(/not a git repository/);
  });
});
