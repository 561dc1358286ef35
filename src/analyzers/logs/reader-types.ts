import type { LoggedStatement } from '../types.ts';
import type { LineSource } from './read-lines.ts';

/** What every reader reports besides its statements. */
export interface ReaderStats {
  /** Lines that were not understood (truncated, binary, another format). */
  skippedLines: number;
  warnings: string[];
}

export type Reader = (source: LineSource, file: string, stats: ReaderStats) => AsyncGenerator<LoggedStatement>;
