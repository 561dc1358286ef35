/** Expands `--logs` arguments: files as given, and `*`/`?` globs in the last path segment (sorted). */
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { UsageError } from '../../errors.ts';

export async function expandGlobs(patterns: string[]): Promise<string[]> {
  const out: string[] = [];
  for (const pattern of patterns) {
    const base = path.basename(pattern);
    if (!/[*?]/.test(base)) {
      out.push(path.resolve(pattern));
      continue;
    }
    const dir = path.dirname(pattern);
    const re = new RegExp(`^${base.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`);
    let entries: string[];
    try {
      entries = await readdir(dir);
    } catch {
      throw new UsageError(`--logs ${pattern}: directory ${dir} cannot be read`, 'check the path');
    }
    const matched = entries.filter((e) => re.test(e)).sort();
    if (matched.length === 0) throw new UsageError(`--logs ${pattern}: no file matches`, 'check the pattern');
    out.push(...matched.map((m) => path.resolve(dir, m)));
  }
  return out;
}
