/**
 * Co-change coupling from `git log --name-only` output (as code-maat computes it): how many commits changed each
 * file, and how many changed each pair of files together. Pure: text in, HistoryModel out.
 */
import type { CoChange, HistoryModel } from '../types.ts';

export interface CoChangeOptions {
  /** Commits touching more files than this (mass renames, formatting) are ignored: they couple everything. */
  maxFilesPerCommit?: number;
  /** Pairs changed together fewer times than this are dropped. */
  minSharedCommits?: number;
  /** Keep only files this accepts (e.g. source files under the code root), mapped to module names. */
  mapFile?: (file: string) => string | undefined;
}

/** The output format the parser expects: a marker line per commit, then one changed file per line. */
export const GIT_LOG_ARGS = ['log', '--no-merges', '--name-only', '--no-renames', '--format=--commit %H'];

/** Splits the log into commits (sets of changed files). */
export function parseCommits(text: string): string[][] {
  const commits: string[][] = [];
  let current: Set<string> | undefined;
  for (const raw of text.split('\n')) {
    const line = raw.trimEnd();
    if (line.startsWith('--commit ')) {
      if (current) commits.push([...current]);
      current = new Set();
    } else if (line && current) current.add(line);
  }
  if (current) commits.push([...current]);
  return commits;
}

export function coChangesFromGitLog(text: string, options: CoChangeOptions = {}): HistoryModel {
  const maxFiles = options.maxFilesPerCommit ?? 30;
  const minShared = options.minSharedCommits ?? 2;
  const map = options.mapFile ?? ((f: string) => f);
  const revisions: Record<string, number> = {};
  const pairs = new Map<string, CoChange>();
  const commits = parseCommits(text);
  for (const files of commits) {
    const modules = [...new Set(files.map(map).filter((m): m is string => Boolean(m)))].sort();
    for (const m of modules) revisions[m] = (revisions[m] ?? 0) + 1;
    if (modules.length > maxFiles) continue;
    for (let i = 0; i < modules.length; i++) {
      for (let j = i + 1; j < modules.length; j++) {
        const key = `${modules[i]}|${modules[j]}`;
        const pair = pairs.get(key) ?? { a: modules[i]!, b: modules[j]!, commits: 0 };
        pair.commits++;
        pairs.set(key, pair);
      }
    }
  }
  const coChanges = [...pairs.values()].filter((p) => p.commits >= minShared).sort((x, y) => y.commits - x.commits || (x.a + x.b).localeCompare(y.a + y.b));
  return { commits: commits.length, revisions, coChanges };
}
