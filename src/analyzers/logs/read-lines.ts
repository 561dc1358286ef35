/** Lines of a plain or gzip file (detected by its magic bytes), streamed; invalid UTF-8 becomes U+FFFD. */
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { createInterface } from 'node:readline';
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

export interface LineSource {
  lines: AsyncIterable<string>;
  /** Bytes read from disk so far (compressed size for gzip). */
  bytes(): number;
  /** Set when the stream ended with an error (e.g. a truncated gzip file). */
  error(): Error | undefined;
}

export async function readLines(file: string): Promise<LineSource> {
  const gzip = await isGzip(file);
  const raw = createReadStream(file, { highWaterMark: 1 << 20 });
  let bytes = 0;
  let failure: Error | undefined;
  let input: Readable = raw;
  if (gzip) {
    const gunzip = createGunzip();
    raw.on('error', (e) => gunzip.destroy(e));
    input = raw.pipe(gunzip);
  }
  input.on('error', (e) => {
    failure = e;
  });
  raw.on('data', (chunk) => {
    bytes += chunk.length;
  });
  const rl = createInterface({ input, crlfDelay: Infinity });
  input.on('error', () => rl.close());
  async function* lines() {
    try {
      for await (const line of rl) yield line;
    } catch (e) {
      failure ??= e as Error;
    }
  }
  return { lines: lines(), bytes: () => bytes, error: () => failure };
}
