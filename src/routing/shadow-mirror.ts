/**
 * Shadow: after the monolith has answered the client, the same (safe) request goes to the service from a bounded
 * queue, never delaying the client; both answers are compared with the API parity JSON diff, and mismatches are
 * appended to the shadow log, one JSON line each, that `strangler verify-parity <domain> --api --corpus` reads:
 *
 *   {"ts","context","route","request":{"method","path","headers"},"primary":{"status"},"shadow":{"status"},
 *    "differences":[{"path":"$.price","kind":"value","monolith":..,"service":..}]}
 *
 *   1. enqueue   a finished monolith answer; dropped (and counted) when the queue is full
 *   2. mirror    the request to the service, its answer read up to maxBodyBytes
 *   3. compare   status, then JSON bodies (diffJson, ignorePaths, floatTolerance) or bytes for other types
 */
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Pool } from 'undici';
import { compilePathPattern, diffJson, matchesAny, type JsonDifference } from '../parity/json-diff.ts';

export interface ShadowAnswer {
  status: number;
  contentType: string;
  body: Buffer;
}

export interface ShadowJob {
  context: string;
  route: string;
  method: string;
  /** Path and query as the client sent them. */
  path: string;
  /** Path sent to the service (its base path + path). */
  servicePath: string;
  headers: Record<string, string | string[]>;
  body?: Buffer;
  primary: ShadowAnswer;
  pool: Pool;
  timeoutMs: number;
  ignorePaths: string[];
  floatTolerance: number;
}

export interface ShadowSettings {
  concurrency: number;
  queue: number;
  maxBodyBytes: number;
  logFile: string;
}

/** A comparison; `status` 0 when the service did not answer, `latencyMs` to its answer head. */
export type ShadowResult = { context: string; mismatch: boolean; differences: JsonDifference[]; status?: number; latencyMs?: number; error?: string };

/** Request headers worth keeping in the log for a replay (no credentials, no cookies). */
const LOGGED_HEADERS = ['accept', 'content-type', 'accept-language'];

export class ShadowMirror {
  private readonly waiting: ShadowJob[] = [];
  private running = 0;
  private log?: WriteStream;
  private readonly idleWaiters: (() => void)[] = [];

  constructor(private readonly settings: ShadowSettings, private readonly onResult: (r: ShadowResult) => void, private readonly onDrop: (context: string, why: string) => void) {}

  // 1.
  enqueue(job: ShadowJob): void {
    if (this.running < this.settings.concurrency) {
      this.start(job);
      return;
    }
    if (this.waiting.length >= this.settings.queue) {
      this.onDrop(job.context, 'queue-full');
      return;
    }
    this.waiting.push(job);
  }

  get maxBodyBytes(): number {
    return this.settings.maxBodyBytes;
  }

  private start(job: ShadowJob): void {
    this.running++;
    this.mirror(job)
      .then((r) => this.onResult(r), (e: unknown) => this.onResult({ context: job.context, mismatch: false, differences: [], error: (e as Error).message }))
      .finally(() => {
        this.running--;
        const next = this.waiting.shift();
        if (next) this.start(next);
        else if (this.running === 0) for (const w of this.idleWaiters.splice(0)) w();
      });
  }

  // 2.
  private async mirror(job: ShadowJob): Promise<ShadowResult> {
    let shadow: ShadowAnswer;
    const started = performance.now();
    let latencyMs = 0;
    try {
      const res = await job.pool.request({ path: job.servicePath, method: job.method as 'GET', headers: { ...job.headers, 'x-strangler-shadow': '1' }, body: job.body, headersTimeout: job.timeoutMs, bodyTimeout: job.timeoutMs });
      latencyMs = performance.now() - started;
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const chunk of res.body) {
        size += (chunk as Buffer).length;
        if (size > this.settings.maxBodyBytes) {
          res.body.destroy();
          this.onDrop(job.context, 'too-large');
          return { context: job.context, mismatch: false, differences: [] };
        }
        chunks.push(chunk as Buffer);
      }
      const ct = res.headers['content-type'];
      shadow = { status: res.statusCode, contentType: String(Array.isArray(ct) ? ct[0] : ct ?? ''), body: Buffer.concat(chunks) };
    } catch (e) {
      shadow = { status: 0, contentType: '', body: Buffer.from(String((e as { code?: string }).code ?? (e as Error).message)) };
      latencyMs = performance.now() - started;
    }
    const differences = compareAnswers(job.primary, shadow, job.ignorePaths, job.floatTolerance);
    const mismatch = differences.length > 0 || job.primary.status !== shadow.status;
    if (mismatch) this.write(job, shadow, differences);
    return { context: job.context, mismatch, differences, status: shadow.status, latencyMs };
  }

  private write(job: ShadowJob, shadow: ShadowAnswer, differences: JsonDifference[]): void {
    if (!this.log) {
      mkdirSync(path.dirname(this.settings.logFile), { recursive: true });
      this.log = createWriteStream(this.settings.logFile, { flags: 'a' });
      this.log.on('error', () => {});
    }
    const headers = Object.fromEntries(LOGGED_HEADERS.filter((h) => typeof job.headers[h] === 'string').map((h) => [h, job.headers[h] as string]));
    const line = {
      ts: new Date().toISOString(),
      context: job.context,
      route: job.route,
      request: { method: job.method, path: job.path, headers, ...(job.body?.length ? { body: job.body.toString('utf8') } : {}) },
      primary: { status: job.primary.status },
      shadow: { status: shadow.status },
      differences: differences.slice(0, 50),
    };
    this.log.write(`${JSON.stringify(line)}\n`);
  }

  /** Resolves when nothing is being mirrored (tests, shutdown). */
  idle(): Promise<void> {
    if (this.running === 0 && this.waiting.length === 0) return Promise.resolve();
    return new Promise((r) => this.idleWaiters.push(r));
  }

  async close(): Promise<void> {
    this.waiting.length = 0;
    await this.idle();
    const log = this.log;
    this.log = undefined;
    if (log) await new Promise<void>((r) => log.end(() => r()));
  }
}

// 3.
export function compareAnswers(primary: ShadowAnswer, shadow: ShadowAnswer, ignorePaths: string[], tolerance: number): JsonDifference[] {
  const a = parseJson(primary);
  const b = parseJson(shadow);
  if (a.ok && b.ok) {
    const ignore = ignorePaths.map(compilePathPattern);
    return diffJson(a.value, b.value, tolerance).filter((d) => !matchesAny(d.path, ignore));
  }
  if (primary.body.equals(shadow.body)) return [];
  return [{ path: '$', kind: a.ok !== b.ok ? 'type' : 'value', monolith: summarize(primary), service: summarize(shadow) }];
}

function parseJson(a: ShadowAnswer): { ok: true; value: unknown } | { ok: false } {
  if (!a.contentType.includes('json') || a.body.length === 0) return { ok: false };
  try {
    return { ok: true, value: JSON.parse(a.body.toString('utf8')) };
  } catch {
    return { ok: false };
  }
}

function summarize(a: ShadowAnswer): string {
  return `${a.contentType || 'no content-type'}, ${a.body.length} bytes`;
}
