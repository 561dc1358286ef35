/** Runs `git log` in a repository and hands its text to the pure co-change parser. */
import { execa } from 'execa';
import path from 'node:path';
import { UsageError } from '../../errors.ts';
import type { HistoryModel } from '../types.ts';
import { coChangesFromGitLog, GIT_LOG_ARGS, type CoChangeOptions } from './parse-git-log.ts';

export interface ReadGitHistoryOptions extends Omit<CoChangeOptions, 'mapFile'> {
  /** Repository (or a folder inside one). */
  dir: string;
  /** Code root: paths are made relative to it (module names); files outside it are ignored. */
  codeRoot?: string;
}

export async function readGitHistory(options: ReadGitHistoryOptions): Promise<HistoryModel> {
  const dir = path.resolve(options.dir);
  const top = await execa('git', ['rev-parse', '--show-toplevel'], { cwd: dir, reject: false }).catch((e: Error) => ({ exitCode: 1, stdout: '', stderr: e.message }));
  if (top.exitCode !== 0) throw new UsageError(`--git ${options.dir}: not a git repository`, 'pass the folder of the monolith\'s git checkout (or leave --git out)');
  const root = String(top.stdout).trim();
  const log = await execa('git', GIT_LOG_ARGS, { cwd: root, reject: false, maxBuffer: 1024 * 1024 * 1024 });
  if (log.exitCode !== 0) throw new UsageError(`--git ${options.dir}: git log failed (${String(log.stderr).trim().split('\n')[0]})`, 'check that the repository has commits');
  const codeRoot = path.resolve(options.codeRoot ?? root);
  const mapFile = (file: string) => {
    const rel = path.relative(codeRoot, path.join(root, file)).split(path.sep).join('/');
    return rel.startsWith('..') ? undefined : rel;
  };
  return coChangesFromGitLog(String(log.stdout), { ...options, mapFile });
}
