/**
 * The text of a log file, plain or compressed (gzip, bzip2, xz, zstd: recognised by their magic bytes, not by
 * the file name), streamed in decoded chunks; invalid UTF-8 becomes U+FFFD (also across chunk boundaries).
 * Readers scan the chunks themselves (csvlog) or take them as lines in batches (`lineBatches`), so their
 * per-record work is not one async step per line.
 *
 * gzip is read with node's zlib; bzip2, xz and zstd with the system's `bzip2`, `xz` and `zstd` (the reference
 * implementations, which pgBadger uses too): they decompress in their own process, on another core than the
 * parsing. A damaged or truncated file gives its text up to the damage, then `error()` says what happened.
 */
import { spawn } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { StringDecoder } from 'node:string_decoder';
import { createGunzip } from 'node:zlib';
import type { Readable } from 'node:stream';
import { EnvironmentError } from '../../errors.ts';

export type Compression = 'gzip' | 'bzip2' | 'xz' | 'zstd';

const MAGIC: [Compression, number[]][] = [
  ['gzip', [0x1f, 0x8b]],
  ['bzip2', [0x42, 0x5a, 0x68]],
  ['xz', [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]],
  ['zstd', [0x28, 0xb5, 0x2f, 0xfd]],
];

/** The system tool (and its Debian package) that decompresses each format but gzip. */
const TOOLS: Record<Exclude<Compression, 'gzip'>, { command: string; pkg: string }> = {
  bzip2: { command: 'bzip2', pkg: 'bzip2' },
  xz: { command: 'xz', pkg: 'xz-utils' },
  zstd: { command: 'zstd', pkg: 'zstd' },
};

export async function compressionOf(file: string): Promise<Compression | undefined> {
  const handle = await open(file, 'r');
  try {
    const { buffer, bytesRead } = await handle.read(Buffer.alloc(6), 0, 6, 0);
    const found = MAGIC.find(([, magic]) => bytesRead >= magic.length && magic.every((b, i) => buffer[i] === b));
    // bzip2's "BZh" is followed by the block size digit.
    if (found?.[0] === 'bzip2' && !(buffer[3]! >= 0x31 && buffer[3]! <= 0x39)) return undefined;
    return found?.[0];
  } finally {
    await handle.close();
  }
}

export async function isGzip(file: string): Promise<boolean> {
  return (await compressionOf(file)) === 'gzip';
}

export interface TextSource {
  /** The decoded text in the order read; a chunk ends anywhere (mid-line, mid-record). Iterable once. */
  chunks: AsyncIterable<string>;
  /** Bytes read from disk so far (compressed size for compressed files). */
  bytes(): number;
  /** Set when the stream ended with an error (e.g. a truncated compressed file); the chunks before it were given. */
  error(): Error | undefined;
}

export interface OpenTextOptions {
  /** Size of the reads (and of gzip's output chunks); tests use small ones to cut records anywhere. */
  chunkBytes?: number;
  /** Only these bytes, `start` included, `end` not (plain files: a piece read by a worker thread). */
  range?: { start: number; end: number };
}

interface Decoded {
  input: Readable;
  /** Resolves when the decompressor has exited (tools only). */
  exited?: Promise<void>;
  /** The error of the decompressor, once it has exited. */
  failure(): Error | undefined;
  close(): void;
}

function gunzipped(raw: Readable, chunkBytes: number): Decoded {
  const gunzip = createGunzip({ chunkSize: Math.max(64, chunkBytes) });
  raw.on('error', (e) => gunzip.destroy(e));
  return { input: raw.pipe(gunzip), failure: () => undefined, close: () => gunzip.destroy() };
}

function throughTool(file: string, raw: Readable, compression: Exclude<Compression, 'gzip'>): Decoded {
  const tool = TOOLS[compression];
  const child = spawn(tool.command, ['-dc'], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  let spawnError: Error | undefined;
  child.stderr.on('data', (d: Buffer) => {
    if (stderr.length < 2000) stderr += d.toString();
  });
  child.on('error', (e) => {
    spawnError = e;
  });
  const exited = new Promise<void>((resolve) => child.on('close', (code, signal) => ((exit = { code, signal }), resolve())));
  child.stdin.on('error', () => {}); // the tool stopped reading (damaged input): its exit status says why
  raw.on('error', (e) => child.stdout.destroy(e));
  raw.pipe(child.stdin);
  const input = child.stdout;
  return {
    input,
    failure: () => {
      if ((spawnError as NodeJS.ErrnoException | undefined)?.code === 'ENOENT') {
        throw new EnvironmentError(`${file} is ${compression}-compressed and \`${tool.command}\` is not installed`, `install it (Debian/Ubuntu: apt-get install ${tool.pkg}) or decompress the file first`);
      }
      if (spawnError) return spawnError;
      if (exit && (exit.code !== 0 || exit.signal)) return new Error(`${tool.command}: ${stderr.trim().split('\n').pop() || `exit ${exit.code ?? exit.signal}`}`);
      return undefined;
    },
    exited,
    close: () => {
      raw.unpipe(child.stdin);
      child.stdin.destroy();
      if (exit === undefined) child.kill();
    },
  };
}

export async function openText(file: string, options: OpenTextOptions = {}): Promise<TextSource> {
  const chunkBytes = options.chunkBytes ?? 1 << 16;
  const compression = await compressionOf(file);
  if (options.range && compression) throw new Error(`${file}: a byte range of a ${compression} file cannot be read`);
  const range = options.range ? { start: options.range.start, end: options.range.end - 1 } : {};
  if (options.range && options.range.end <= options.range.start) return { chunks: (async function* () {})(), bytes: () => 0, error: () => undefined };
  const raw = createReadStream(file, { highWaterMark: chunkBytes, ...range });
  let bytes = 0;
  let failure: Error | undefined;
  let decoded: Decoded | undefined;
  if (compression) {
    raw.on('data', (chunk: string | Buffer) => {
      bytes += chunk.length;
    });
    decoded = compression === 'gzip' ? gunzipped(raw, chunkBytes) : throughTool(file, raw, compression);
  }
  const input: Readable = decoded?.input ?? raw;
  async function* chunks(): AsyncGenerator<string> {
    const decoder = new StringDecoder('utf8');
    let complete = false;
    try {
      try {
        for await (const buf of input as AsyncIterable<Buffer>) {
          if (!decoded) bytes += buf.length;
          const text = decoder.write(buf);
          if (text) yield text;
        }
      } catch (e) {
        failure ??= e as Error;
      }
      complete = true;
      if (decoded?.exited) await decoded.exited;
      failure ??= decoded?.failure();
      const tail = decoder.end();
      if (tail) yield tail;
    } finally {
      // Also when the consumer stops early: close the file (and stop the decompressor).
      if (!complete) decoded?.close();
      input.destroy();
      raw.destroy();
    }
  }
  return { chunks: chunks(), bytes: () => bytes, error: () => failure };
}

/**
 * The lines of `chunks`, one batch per chunk (a batch may be empty). A line ends at `\n` or `\r\n`; the last
 * line needs no line end.
 */
export async function* lineBatches(chunks: AsyncIterable<string>): AsyncGenerator<string[]> {
  // The start of a line whose end has not been read yet (kept in pieces: a long line is joined once).
  let pieces: string[] = [];
  for await (const chunk of chunks) {
    let nl = chunk.indexOf('\n');
    if (nl === -1) {
      pieces.push(chunk);
      continue;
    }
    const batch: string[] = [];
    if (pieces.length > 0) {
      pieces.push(chunk.slice(0, nl));
      batch.push(withoutCr(pieces.join('')));
      pieces = [];
    } else {
      batch.push(withoutCr(chunk.slice(0, nl)));
    }
    let p = nl + 1;
    while ((nl = chunk.indexOf('\n', p)) !== -1) {
      batch.push(withoutCr(chunk.slice(p, nl)));
      p = nl + 1;
    }
    if (p < chunk.length) pieces.push(chunk.slice(p));
    yield batch;
  }
  if (pieces.length > 0) yield [withoutCr(pieces.join(''))];
}

function withoutCr(line: string): string {
  return line.charCodeAt(line.length - 1) === 13 ? line.slice(0, -1) : line;
}
