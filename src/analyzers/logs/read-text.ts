/**
 * The text of a plain or gzip log file (gzip detected by its magic bytes), streamed in decoded chunks; invalid
 * UTF-8 becomes U+FFFD (also across chunk boundaries). Readers scan the chunks themselves (csvlog) or take them
 * as lines in batches (`lineBatches`), so their per-record work is not one async step per line.
 */
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { StringDecoder } from 'node:string_decoder';
import { createGunzip } from 'node:zlib';
import type { Readable } from 'node:stream';

export async function isGzip(file: string): Promise<boolean> {
  const handle = await open(file, 'r');
  try {
    const { buffer, bytesRead } = await handle.read(Buffer.alloc(2), 0, 2, 0);
    return bytesRead === 2 && buffer[0] === 0x1f && buffer[1] === 0x8b;
  } finally {
    await handle.close();
  }
}

export interface TextSource {
  /** The decoded text in the order read; a chunk ends anywhere (mid-line, mid-record). Iterable once. */
  chunks: AsyncIterable<string>;
  /** Bytes read from disk so far (compressed size for gzip). */
  bytes(): number;
  /** Set when the stream ended with an error (e.g. a truncated gzip file); the chunks before it were given. */
  error(): Error | undefined;
}

export interface OpenTextOptions {
  /** Size of the reads (and of gzip's output chunks); tests use small ones to cut records anywhere. */
  chunkBytes?: number;
}

export async function openText(file: string, options: OpenTextOptions = {}): Promise<TextSource> {
  const chunkBytes = options.chunkBytes ?? 1 << 16;
  const gzip = await isGzip(file);
  const raw = createReadStream(file, { highWaterMark: chunkBytes });
  let bytes = 0;
  let failure: Error | undefined;
  let input: Readable = raw;
  if (gzip) {
    const gunzip = createGunzip({ chunkSize: Math.max(64, chunkBytes) });
    raw.on('error', (e) => gunzip.destroy(e));
    raw.on('data', (chunk: string | Buffer) => {
      bytes += chunk.length;
    });
    input = raw.pipe(gunzip);
  }
  async function* chunks(): AsyncGenerator<string> {
    const decoder = new StringDecoder('utf8');
    try {
      try {
        for await (const buf of input as AsyncIterable<Buffer>) {
          if (!gzip) bytes += buf.length;
          const text = decoder.write(buf);
          if (text) yield text;
        }
      } catch (e) {
        failure ??= e as Error;
      }
      const tail = decoder.end();
      if (tail) yield tail;
    } finally {
      // Also when the consumer stops early: close the file.
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
