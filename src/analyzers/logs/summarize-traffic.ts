/**
 * Reads query logs (any mix of formats, plain or compressed, streamed) into a TrafficSummary: statement shapes
 * with the tables they read and write, transactions and requests aggregated by the tables they touch. A big
 * plain file is cut at record boundaries into pieces read by worker threads (one per core), merged in order:
 * the summary is the same as from one thread.
 */
import { stat } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { UsageError } from '../../errors.ts';
import { initSqlParser, StatementParser } from '../sql/extract-tables.ts';
import type { LogFormat, TrafficSummary } from '../types.ts';
import { type DetectedLog, UNDERSTOOD_FORMATS } from './detect-format.ts';
import { detectFile } from './open-log.ts';
import { type PieceRead, type PieceRequest, readPiece } from './read-piece.ts';
import { compressionOf } from './read-text.ts';
import { isSplittable, splitOffsets } from './split-log.ts';
import { mergePieces, TrafficCounts, type TrafficTotals } from './traffic-aggregate.ts';

export interface SummarizeOptions {
  files: string[];
  format?: 'auto' | LogFormat;
  logLinePrefix?: string;
  onProgress?: (p: { statements: number; bytes: number; file: string }) => void;
  /** Worker threads for a big file (default: the cores available, at most 8); 1 reads in this thread. */
  threads?: number;
  /** Files at least this big are split across the threads (default 64 MiB). */
  splitBytes?: number;
  /** Every piece of a split file read by a worker thread, none by this one (the tests: the worker path is taken). */
  workersOnly?: boolean;
}

const SPLIT_BYTES = 64 << 20;

export async function summarizeTraffic(options: SummarizeOptions): Promise<TrafficSummary> {
  if (options.files.length === 0) throw new UsageError('no query logs given', 'pass --logs <file|glob> or set monolith.logs');
  await initSqlParser();
  const parser = new StatementParser();
  const totals: TrafficTotals = { counts: new TrafficCounts(), shapes: new Map(), unparsed: { count: 0, examples: [] } };
  const summary: TrafficSummary = { files: [], statements: 0, shapes: [], transactions: [], requests: [], unparsed: totals.unparsed, skippedLines: 0, warnings: [] };
  let statementsBefore = 0;
  for (const file of options.files) {
    const detected = await detectOrSkip(file, options, summary);
    if (!detected) continue;
    const onStatements = options.onProgress && ((n: number, bytes: number) => options.onProgress!({ statements: statementsBefore + n, bytes, file }));
    const reads = await readFile(file, detected, parser, options, onStatements);
    let lineOffset = 0;
    const pieces = reads.map((r) => {
      const piece = { result: r.result, lineOffset };
      lineOffset += r.lines;
      return piece;
    });
    const count = mergePieces(pieces, totals);
    statementsBefore += count;
    summary.statements += count;
    for (const r of reads) {
      summary.skippedLines += r.stats.skippedLines;
      summary.warnings.push(...r.stats.warnings);
      if (r.error) summary.warnings.push(`${file}: stopped early (${r.error}); read what came before`);
    }
    const skipped = reads.reduce((n, r) => n + r.stats.skippedLines, 0);
    if (skipped > 0) summary.warnings.push(`${file}: ${skipped} line(s) not understood as ${detected.format} and skipped`);
    summary.files.push({ file, format: detected.format, statements: count, ...(detected.logLinePrefix === undefined ? {} : { logLinePrefix: detected.logLinePrefix, prefixInferred: Boolean(detected.inferred) }) });
  }
  if (totals.unparsed.count > 0) summary.warnings.push(`${totals.unparsed.count} statement(s) could not be parsed and were left out (examples in unparsed.examples)`);
  if (summary.statements === 0) {
    throw new UsageError(
      `no SQL statements found in ${options.files.length} log file(s)${summary.warnings.length ? ` (${summary.warnings[0]})` : ''}`,
      `give logs written with log_statement=all or log_min_duration_statement=0; understood: ${UNDERSTOOD_FORMATS}; when a file is not recognised, give its --log-line-prefix or --log-format`,
    );
  }
  return finishSummary(summary, totals);
}

/** The file's format, or undefined (with a warning) when it is skipped; a file that cannot be read is an error. */
async function detectOrSkip(file: string, options: SummarizeOptions, summary: TrafficSummary): Promise<DetectedLog | undefined> {
  const found = await detectFile(file, { format: options.format, logLinePrefix: options.logLinePrefix });
  if (found.detected) return found.detected;
  // A file named that is not there is a mistake in the command, as a glob matching nothing is.
  if ('unreadable' in found && found.unreadable) throw new UsageError(`${file}: cannot be read (${found.unreadable})`, 'check the paths given to --logs (or monolith.logs): every file named must exist and be readable');
  if ('damaged' in found && found.damaged) summary.warnings.push(`${file}: damaged, nothing could be read before the damage (${found.damaged}); skipped`);
  else summary.warnings.push(`${file}: unknown log format, skipped (understood: ${UNDERSTOOD_FORMATS}); for a stderr log give its --log-line-prefix, or name the format with --log-format`);
  return undefined;
}

/**
 * The file's pieces. A big plain file is cut into several pieces per thread, read by this thread and by worker
 * threads taking the next piece as each is done (a worker starting late, or a slower piece, does not hold the
 * others up); the pieces come back in file order.
 */
async function readFile(file: string, detected: DetectedLog, parser: StatementParser, options: SummarizeOptions, onStatements?: (n: number, bytes: number) => void): Promise<PieceRead[]> {
  const threads = Math.max(1, Math.floor(options.threads ?? Math.min(8, availableParallelism())));
  if (threads > 1 && isSplittable(detected.format)) {
    const { size } = await stat(file);
    if (size >= (options.splitBytes ?? SPLIT_BYTES) && !(await compressionOf(file))) {
      const pieces = Math.max(2, Math.min(threads * PIECES_PER_THREAD, Math.ceil(size / MIN_PIECE_BYTES)));
      const offsets = await splitOffsets(file, size, detected, pieces);
      if (offsets.length > 2) {
        const requests = offsets.slice(0, -1).map((start, k): PieceRequest => ({ file, detected, range: { start, end: offsets[k + 1]! } }));
        return readInPool(requests, threads, options.workersOnly ? undefined : parser);
      }
    }
  }
  return [await readPiece({ file, detected }, parser, onStatements)];
}

const PIECES_PER_THREAD = 4;
const MIN_PIECE_BYTES = 4 << 20;

/** Pieces read by `threads` threads: this one (unless `parser` is undefined) and worker threads. */
async function readInPool(requests: readonly PieceRequest[], threads: number, parser: StatementParser | undefined): Promise<PieceRead[]> {
  const results: PieceRead[] = new Array(requests.length);
  let next = 0;
  const take = () => (next < requests.length ? next++ : undefined);
  const here = async () => {
    for (let k = take(); k !== undefined; k = take()) results[k] = await readPiece(requests[k]!, parser!);
  };
  const inWorker = async () => {
    const worker = startWorker();
    try {
      for (let k = take(); k !== undefined; k = take()) results[k] = await worker.read(requests[k]!);
    } finally {
      await worker.stop();
    }
  };
  await Promise.all([...(parser ? [here()] : []), ...Array.from({ length: parser ? threads - 1 : threads }, inWorker)]);
  return results;
}

/**
 * A worker thread reading pieces. From the TypeScript source (a checkout, the tests) it loads tsx first, as
 * bin/strangler.js does; installed, the compiled JavaScript runs as it is.
 */
function startWorker(): { read(request: PieceRequest): Promise<PieceRead>; stop(): Promise<void> } {
  const fromSource = import.meta.url.endsWith('.ts');
  const url = new URL(`./summarize-worker.${fromSource ? 'ts' : 'js'}`, import.meta.url);
  const worker = fromSource
    ? new Worker(`import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}).then((m) => { m.register(); return import(${JSON.stringify(url.href)}); })`, { eval: true })
    : new Worker(url);
  let pending: { resolve(r: PieceRead): void; reject(e: Error): void } | undefined;
  let failed: Error | undefined;
  const fail = (e: Error) => {
    failed ??= e;
    pending?.reject(e);
    pending = undefined;
  };
  worker.on('message', (m: { read: PieceRead } | { error: string }) => {
    if ('read' in m) pending?.resolve(m.read);
    else pending?.reject(new Error(`a log worker thread failed: ${m.error}`));
    pending = undefined;
  });
  worker.on('error', fail);
  worker.on('exit', (code) => fail(new Error(`a log worker thread exited (${code})`)));
  return {
    read: (request) =>
      new Promise<PieceRead>((resolve, reject) => {
        if (failed) return reject(failed);
        pending = { resolve, reject };
        worker.postMessage(request);
      }),
    stop: async () => {
      worker.postMessage(null);
      await new Promise<void>((resolve) => (failed ? resolve() : worker.once('exit', () => resolve())));
    },
  };
}

function finishSummary(summary: TrafficSummary, totals: TrafficTotals): TrafficSummary {
  const byKey = <T>(map: Map<string, T>) => [...map.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  summary.shapes = byKey(totals.shapes).map(([, v]) => v);
  summary.transactions = byKey(totals.counts.transactions).map(([, t]) => ({ tables: [...t.tables], written: [...t.written].sort(), count: t.count }));
  summary.requests = byKey(totals.counts.requests).map(([route, r]) => ({ route, module: r.module, tables: [...r.tables].sort(), written: [...r.written].sort(), count: r.count }));
  return summary;
}
