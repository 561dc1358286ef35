/** Test helpers: write a generated log to a temporary file and read it the way `analyze` does (detect, then read). */
import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { detectFile, readerFor } from '../../../../src/analyzers/logs/open-log.ts';
import { openText } from '../../../../src/analyzers/logs/read-text.ts';
import type { ReaderStats } from '../../../../src/analyzers/logs/reader-types.ts';
import type { LogFormat, LoggedStatement } from '../../../../src/analyzers/types.ts';

let dir: string | undefined;

export async function tempFile(name: string, content: string | Buffer): Promise<string> {
  dir ??= await mkdtemp(path.join(os.tmpdir(), 'strangler-logs-'));
  const f = path.join(dir, name);
  await writeFile(f, content);
  return f;
}

export interface ReadLog {
  format: LogFormat;
  logLinePrefix?: string;
  statements: LoggedStatement[];
  stats: ReaderStats;
  error?: Error;
}

/** Detects the file's format (with the options a user may give) and reads all its statements. */
export async function readDetected(file: string, options: { format?: 'auto' | LogFormat; logLinePrefix?: string } = {}): Promise<ReadLog> {
  const found = await detectFile(file, options);
  if (!found.detected) throw new Error(`${file}: not detected`);
  const stats: ReaderStats = { skippedLines: 0, warnings: [] };
  const source = await openText(file);
  const statements: LoggedStatement[] = [];
  for await (const batch of readerFor(found.detected)(source, file, stats)) statements.push(...batch);
  return { format: found.detected.format, logLinePrefix: found.detected.logLinePrefix, statements, stats, error: source.error() };
}
