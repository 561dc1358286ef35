import type { LoggedStatement } from '../types.ts';
import type { TextSource } from './read-text.ts';

/** What every reader reports besides its statements. */
export interface ReaderStats {
  /** Lines that were not understood (truncated, binary, another format). */
  skippedLines: number;
  warnings: string[];
}

/** Statements in batches (one per chunk of text read, never empty), in log order. */
export type Reader = (source: TextSource, file: string, stats: ReaderStats) => AsyncGenerator<LoggedStatement[]>;
