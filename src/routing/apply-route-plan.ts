/**
 * Writes a plan's changes into strangler.yaml through the yaml Document API, so comments and layout stay; the new
 * text is validated with the same loader before it replaces the file (temp file + rename: nothing half-written).
 */
import { readFile, rename, writeFile } from 'node:fs/promises';
import { parseDocument } from 'yaml';
import { parseConfig } from '../config/load-config.ts';
import { ConfigError } from '../errors.ts';

export interface ConfigChange {
  path: string[];
  to: unknown;
}

/** The new text of the file with the changes applied (throws a ConfigError when the result is not valid). */
export function applyChangesToText(text: string, file: string, changes: ConfigChange[]): string {
  const doc = parseDocument(text, { keepSourceTokens: false });
  for (const c of changes) doc.setIn(c.path, c.to);
  const next = doc.toString();
  try {
    parseConfig(next, file);
  } catch (e) {
    if (e instanceof ConfigError) throw new ConfigError(`the change would make ${file} invalid: ${e.message.replace(`${file}:`, 'line ')}`, e.hint ?? 'fix strangler.yaml first');
    throw e;
  }
  return next;
}

export async function applyChangesToFile(file: string, changes: ConfigChange[]): Promise<{ before: string; after: string }> {
  const before = await readFile(file, 'utf8');
  const after = applyChangesToText(before, file, changes);
  if (after !== before) {
    const tmp = `${file}.${process.pid}.tmp`;
    await writeFile(tmp, after);
    await rename(tmp, file);
  }
  return { before, after };
}
