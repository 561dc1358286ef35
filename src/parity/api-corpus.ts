/** Request corpora for API parity: JSONL (also the proxy's shadow log), HAR, or generated from routes. */
import { readFile } from 'node:fs/promises';
import { UsageError } from '../errors.ts';

export interface ApiRequest {
  method: string;
  /** Path and query: `/products/5?x=1`. */
  path: string;
  headers?: Record<string, string>;
  body?: string;
  /** Endpoint template for noise learning and reports: `GET /products/:id`. */
  endpoint: string;
}

const SAFE = new Set(['GET', 'HEAD', 'OPTIONS']);

export function isSafe(method: string): boolean {
  return SAFE.has(method.toUpperCase());
}

/** `/products/17/reviews` -> `/products/:id/reviews` (numbers and uuids become parameters). */
export function endpointOf(method: string, path: string): string {
  const pathname = path.split('?')[0]!;
  const template = pathname
    .split('/')
    .map((s) => (/^\d+$/.test(s) || /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(s) ? ':id' : s))
    .join('/');
  return `${method.toUpperCase()} ${template}`;
}

export async function readCorpus(file: string): Promise<ApiRequest[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new UsageError(`${file}: cannot read the request corpus (${(e as NodeJS.ErrnoException).code ?? e})`, 'pass an existing JSONL or HAR file to --corpus');
  }
  const trimmed = text.trimStart();
  if (file.endsWith('.har') || (trimmed.startsWith('{') && /"log"\s*:/.test(trimmed.slice(0, 200)))) return parseHar(text, file);
  return parseJsonl(text, file);
}

type JsonlRequest = { method?: unknown; path?: unknown; url?: unknown; headers?: unknown; body?: unknown; request?: unknown };

/**
 * JSONL corpus: one request per line, `{"method":"GET","path":"/products/1","headers":{...},"body":...}`
 * (`url` may replace `path`; a non-string body is sent as JSON). The proxy's shadow log is JSONL too: one
 * line per mirrored request, `{"ts":...,"request":{"method","path","headers","body"},"primary":{...},"shadow":{...}}`;
 * only `request` is read. Blank lines and lines starting with `#` are skipped.
 */
export function parseJsonl(text: string, file: string): ApiRequest[] {
  const out: ApiRequest[] = [];
  text.split('\n').forEach((line, i) => {
    if (!line.trim() || line.trimStart().startsWith('#')) return;
    let value: JsonlRequest;
    try {
      value = JSON.parse(line);
    } catch (e) {
      throw new UsageError(`${file}:${i + 1}: not valid JSON (${(e as Error).message})`, 'write one JSON object per line: {"method":"GET","path":"/products/1"}');
    }
    if (value && typeof value === 'object' && value.request && typeof value.request === 'object') value = value.request as JsonlRequest;
    const path = !value || typeof value !== 'object' ? undefined : typeof value.path === 'string' ? value.path : typeof value.url === 'string' ? pathOfUrl(value.url) : undefined;
    if (!value || typeof value !== 'object' || Array.isArray(value) || typeof value.method !== 'string' || !path || !path.startsWith('/')) {
      throw new UsageError(`${file}:${i + 1}: expected an object with "method" and a "path" starting with /`, 'e.g. {"method":"GET","path":"/products/1"}');
    }
    out.push({
      method: value.method.toUpperCase(),
      path,
      headers: value.headers && typeof value.headers === 'object' ? (value.headers as Record<string, string>) : undefined,
      body: value.body === undefined ? undefined : typeof value.body === 'string' ? value.body : JSON.stringify(value.body),
      endpoint: endpointOf(value.method, path),
    });
  });
  return out;
}

function pathOfUrl(url: string): string | undefined {
  try {
    const u = new URL(url);
    return `${u.pathname}${u.search}`;
  } catch {
    return url.startsWith('/') ? url : undefined;
  }
}

export function parseHar(text: string, file: string): ApiRequest[] {
  let har: { log?: { entries?: { request?: { method?: string; url?: string; headers?: { name: string; value: string }[]; postData?: { text?: string } } }[] } };
  try {
    har = JSON.parse(text);
  } catch (e) {
    throw new UsageError(`${file}: not a valid HAR file (${(e as Error).message})`, 'export the HAR again from the browser or proxy');
  }
  const entries = har.log?.entries;
  if (!Array.isArray(entries)) throw new UsageError(`${file}: not a HAR file (no log.entries)`, 'pass a HAR export or a JSONL corpus');
  return entries.map((entry, i) => {
    const req = entry.request;
    const path = req?.url ? pathOfUrl(req.url) : undefined;
    if (!req?.method || !path) throw new UsageError(`${file}: log.entries[${i}] has no request method or url`, 'fix or remove that entry');
    const headers = Object.fromEntries((req.headers ?? []).filter((h) => !h.name.startsWith(':') && !['host', 'content-length', 'cookie'].includes(h.name.toLowerCase())).map((h) => [h.name, h.value]));
    return { method: req.method.toUpperCase(), path, headers, body: req.postData?.text, endpoint: endpointOf(req.method, path) };
  });
}

/** Requests for a route template, with its parameters filled from sample values. */
export function expandRoute(route: string, samples: (param: string, segmentBefore: string) => string[], perRoute: number): ApiRequest[] | string {
  const [method, path] = route.trim().split(/\s+/);
  if (!method || !path) return `route "${route}" is not "METHOD /path"`;
  const segments = path.split('/');
  const params = segments.map((s, i) => (s.startsWith(':') ? { name: s.slice(1), index: i, before: segments[i - 1] ?? '' } : undefined)).filter((p) => p !== undefined);
  if (params.length === 0) return [{ method: method.toUpperCase(), path, endpoint: `${method.toUpperCase()} ${path}` }];
  const values = params.map((p) => samples(p.name, p.before));
  const missing = params.find((_, i) => values[i]!.length === 0);
  if (missing) return `no sample values for :${missing.name} in ${route}`;
  const out: ApiRequest[] = [];
  const count = Math.min(perRoute, ...values.map((v) => v.length));
  for (let k = 0; k < count; k++) {
    const filled = [...segments];
    params.forEach((p, i) => {
      filled[p.index] = encodeURIComponent(values[i]![k]!);
    });
    out.push({ method: method.toUpperCase(), path: filled.join('/'), endpoint: `${method.toUpperCase()} ${path}` });
  }
  return out;
}
