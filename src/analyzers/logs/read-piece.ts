/**
 * Reads one piece of a log file (the whole file, or a byte range of a plain one) into a TrafficPiece: in the
 * calling thread, or in a worker thread (summarize-worker.ts) that runs this same function.
 */
import { StatementParser } from '../sql/extract-tables.ts';
import type { DetectedLog } from './detect-format.ts';
import { readerFor } from './open-log.ts';
import { openText, type TextSource } from './read-text.ts';
import type { ReaderStats } from './reader-types.ts';
import { type PieceResult, TrafficPiece } from './traffic-aggregate.ts';

export interface PieceRequest {
  file: string;
  detected: DetectedLog;
  /** The bytes to read; the whole file when absent. */
  range?: { start: number; end: number };
}

export interface PieceRead {
  result: PieceResult;
  /** Lines of the piece (newlines in its bytes): where the next piece's line numbers start. */
  lines: number;
  stats: ReaderStats;
  /** The error that ended the text early (a damaged compressed file). */
  error?: string;
}

/** The lines of the text, counted as it goes by. */
function countingLines(source: TextSource, count: { lines: number }): TextSource {
  async function* chunks() {
    for await (const chunk of source.chunks) {
      let n = 0;
      for (let p = chunk.indexOf('\n'); p !== -1; p = chunk.indexOf('\n', p + 1)) n++;
      count.lines += n;
      yield chunk;
    }
  }
  return { ...source, chunks: chunks() };
}

export async function readPiece(request: PieceRequest, parser: StatementParser, onStatements?: (n: number, bytes: number) => void): Promise<PieceRead> {
  const { file, detected, range } = request;
  const piece = new TrafficPiece(parser, { midFile: Boolean(range && range.start > 0), noTransactions: detected.format === 'pg_stat_statements' });
  const stats: ReaderStats = { skippedLines: 0, warnings: [] };
  const source = await openText(file, range ? { range } : {});
  const count = { lines: 0 };
  const counted = range ? countingLines(source, count) : source;
  for await (const batch of readerFor(detected)(counted, file, stats)) {
    const before = piece.statements;
    for (const st of batch) piece.add(st);
    if (onStatements && Math.floor(piece.statements / 50_000) !== Math.floor(before / 50_000)) onStatements(piece.statements, source.bytes());
  }
  const error = source.error()?.message;
  return { result: piece.result(), lines: count.lines, stats, ...(error ? { error } : {}) };
}
