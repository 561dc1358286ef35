/** A log file's format (from its first lines) and the reader for it. */
import { isStranglerError } from '../../errors.ts';
import type { LogFormat } from '../types.ts';
import { type DetectedLog, detectLog } from './detect-format.ts';
import { envelopeOf } from './line-envelopes.ts';
import { readCsvlog } from './read-csvlog.ts';
import { readJsonlog } from './read-jsonlog.ts';
import { readPgStatStatements } from './read-pg-stat-statements.ts';
import { stderrReader } from './read-stderr-log.ts';
import { lineBatches, openText } from './read-text.ts';
import type { Reader } from './reader-types.ts';

/** Lines looked at to recognise a format and infer a prefix. */
const PEEK_LINES = 200;
const PEEK_LINE_CHARS = 100_000;

export async function peekLines(file: string, count = PEEK_LINES): Promise<string[]> {
  return (await peek(file, count)).lines;
}

/** The first lines, and the error that ended the text before them (a damaged compressed file). */
async function peek(file: string, count = PEEK_LINES): Promise<{ lines: string[]; error?: Error }> {
  const src = await openText(file);
  const out: string[] = [];
  for await (const lines of lineBatches(src.chunks)) {
    for (const line of lines) {
      out.push(line.length > PEEK_LINE_CHARS ? line.slice(0, PEEK_LINE_CHARS) : line);
      if (out.length >= count) return { lines: out };
    }
  }
  return { lines: out, error: src.error() };
}

export type DetectedFile = { detected: DetectedLog } | { detected: undefined; unreadable?: string; damaged?: string };

/**
 * The file's format; `unreadable` when it cannot be opened, `damaged` when it ends with an error before a line
 * could be read. Environment errors (a missing tool) are thrown.
 */
export async function detectFile(file: string, options: { format?: 'auto' | LogFormat; logLinePrefix?: string }): Promise<DetectedFile> {
  let peeked: { lines: string[]; error?: Error };
  try {
    peeked = await peek(file);
  } catch (e) {
    if (isStranglerError(e)) throw e;
    return { detected: undefined, unreadable: (e as NodeJS.ErrnoException).code ?? (e as Error).message };
  }
  const detected = detectLog(peeked.lines, options);
  if (!detected && peeked.error && peeked.lines.every((l) => l.trim() === '')) return { detected: undefined, damaged: peeked.error.message };
  return { detected };
}

export function readerFor(d: DetectedLog): Reader {
  switch (d.format) {
    case 'csvlog':
      return readCsvlog;
    case 'jsonlog':
    case 'cnpg':
      return readJsonlog;
    case 'pg_stat_statements':
      return readPgStatStatements;
    default:
      return stderrReader(d.logLinePrefix, envelopeOf(d.format));
  }
}
