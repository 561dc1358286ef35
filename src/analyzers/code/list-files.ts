/**
 * Step 1 of the code scan, the only one that touches the disk: which files to scan, their text, and the Prisma
 * schemas. Files are read a few dozen ahead of the one being parsed, so parsing does not wait on each read.
 * A file that is too big to be source someone wrote (generated bundles, dumps) or that holds binary data is
 * skipped with a warning rather than parsed.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';

const SOURCE = /\.(ts|tsx|js|jsx|mjs|cjs|mts|cts)$/;
const PRISMA_SCHEMA = /\.prisma$/;
const READ_AHEAD = 32;
/** Larger source files are generated (bundles, minified vendor code): skipped. */
export const MAX_SOURCE_BYTES = 2_000_000;
export const DEFAULT_EXCLUDE = [/(^|\/)node_modules\//, /(^|\/)(dist|build|coverage)\//, /(^|\/)(test|tests|__tests__)\//, /\.(test|spec)\.[cm]?[jt]sx?$/, /\.d\.ts$/];

/** Source files into `out`; Prisma schemas into `schemas` when given. A missing `rel` lists nothing. */
export async function listFiles(root: string, rel: string, exclude: readonly RegExp[], out: string[], schemas?: string[]): Promise<void> {
  const full = path.join(root, rel);
  const info = await stat(full).catch(() => undefined);
  if (!info) return;
  if (info.isFile()) {
    if (SOURCE.test(rel) && !exclude.some((e) => e.test(rel))) out.push(rel);
    return;
  }
  const entries = await readdir(full, { withFileTypes: true }).catch(() => []);
  for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    const child = rel ? `${rel}/${entry.name}` : entry.name;
    if (entry.isDirectory()) {
      if (!exclude.some((e) => e.test(`${child}/`))) await listFiles(root, child, exclude, out, schemas);
    } else if (!entry.isFile()) continue;
    else if (SOURCE.test(entry.name) && !exclude.some((e) => e.test(child))) out.push(child);
    else if (schemas && PRISMA_SCHEMA.test(entry.name) && !exclude.some((e) => e.test(child))) schemas.push(child);
  }
}

export type SourceText = { file: string; text: string } | { file: string; skipped: string };

/** Why a file's content is not source code to parse, if it is not. */
export function notSource(bytes: Buffer): string | undefined {
  if (bytes.length > MAX_SOURCE_BYTES) return `${(bytes.length / 1e6).toFixed(1)} MB, larger than ${MAX_SOURCE_BYTES / 1e6} MB: generated code? skipped`;
  if (bytes.subarray(0, 8000).includes(0)) return 'binary content (NUL bytes): skipped';
  return undefined;
}

/** The files' texts, in order, reading ahead; unreadable, binary or huge files come back as `skipped`. */
export async function* readSources(root: string, files: readonly string[]): AsyncGenerator<SourceText> {
  const reads = new Map<number, Promise<SourceText>>();
  const readAhead = (i: number) => {
    if (i >= files.length) return;
    const file = files[i]!;
    reads.set(
      i,
      readFile(path.join(root, file)).then(
        (bytes) => {
          const why = notSource(bytes);
          return why ? { file, skipped: why } : { file, text: bytes.toString('utf8') };
        },
        (e: NodeJS.ErrnoException) => ({ file, skipped: `cannot read (${e.code ?? e.message}): skipped` }),
      ),
    );
  };
  for (let i = 0; i < READ_AHEAD; i++) readAhead(i);
  for (let i = 0; i < files.length; i++) {
    const text = await reads.get(i)!;
    reads.delete(i);
    readAhead(i + READ_AHEAD);
    yield text;
  }
}

/** The `.prisma` files' texts. */
export async function readTexts(root: string, files: readonly string[]): Promise<{ file: string; text: string }[]> {
  return Promise.all([...files].sort().map(async (file) => ({ file, text: await readFile(path.join(root, file), 'utf8') })));
}
