/**
 * API parity: replays requests against the monolith and the service and compares the answers structurally.
 * Every request goes to the monolith twice: fields that differ between two monolith answers to the same
 * request are noise (timestamps, request ids, tokens), learned per endpoint and left out of the comparison.
 */
import { EnvironmentError, UsageError } from '../errors.ts';
import { isSafe, type ApiRequest } from './api-corpus.ts';
import { compilePathPattern, diffJson, matchesAny, templatePath, type JsonDifference } from './json-diff.ts';

export interface ApiParityOptions {
  monolithUrl: string;
  serviceUrl: string;
  requests: ApiRequest[];
  ignorePaths?: string[];
  /** Response headers compared (lower case). */
  headers?: string[];
  allowWrites?: boolean;
  floatTolerance?: number;
  concurrency?: number;
  timeoutMs?: number;
  /** Differences kept per endpoint. */
  maxExamples?: number;
}

export interface RequestDifference {
  method: string;
  path: string;
  status?: { monolith: number; service: number };
  headers?: { name: string; monolith: string | null; service: string | null }[];
  fields: JsonDifference[];
}

export interface EndpointParity {
  endpoint: string;
  requests: number;
  /** Requests whose answers differ (noise and ignored paths left out). */
  differing: number;
  /** Field paths found to be noise (templated). */
  noise: string[];
  examples: RequestDifference[];
}

export interface ApiParityResult {
  equal: boolean;
  requests: number;
  skippedUnsafe: number;
  endpoints: EndpointParity[];
  totals: { endpoints: number; differingEndpoints: number; differingRequests: number; noisyEndpoints: number };
}

interface Answer {
  status: number;
  headers: Record<string, string | null>;
  body: unknown;
}

async function send(base: string, request: ApiRequest, headerNames: string[], timeoutMs: number, role: string): Promise<Answer> {
  const url = `${base.replace(/\/$/, '')}${request.path}`;
  let res: Response;
  try {
    res = await fetch(url, {
      method: request.method,
      headers: { ...(request.body ? { 'content-type': 'application/json' } : {}), ...request.headers },
      body: request.body,
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (e) {
    const cause = (e as { cause?: { code?: string } }).cause?.code ?? (e as Error).name;
    throw new EnvironmentError(`cannot reach the ${role} at ${base} (${cause} on ${request.method} ${request.path})`, `is the ${role} running? check ${role === 'monolith' ? 'monolith.url or --monolith-url' : 'service.url or --service-url'}`);
  }
  const text = await res.text();
  let body: unknown = text;
  if ((res.headers.get('content-type') ?? '').includes('json') && text) {
    try {
      body = JSON.parse(text);
    } catch {
      body = text;
    }
  }
  return { status: res.status, headers: Object.fromEntries(headerNames.map((h) => [h, res.headers.get(h)])), body };
}

export async function compareApis(options: ApiParityOptions): Promise<ApiParityResult> {
  const requests = options.allowWrites ? options.requests : options.requests.filter((r) => isSafe(r.method));
  const skippedUnsafe = options.requests.length - requests.length;
  if (requests.length === 0) {
    throw new UsageError(
      skippedUnsafe > 0 ? `all ${skippedUnsafe} requests use unsafe methods` : 'no requests to replay',
      skippedUnsafe > 0 ? 'pass --allow-writes (only against disposable databases)' : 'give a --corpus, or list routes in contexts.<name>.routes',
    );
  }
  const headerNames = (options.headers ?? ['content-type']).map((h) => h.toLowerCase());
  const timeout = options.timeoutMs ?? 10_000;
  const ignore = (options.ignorePaths ?? []).map(compilePathPattern);
  const answers: { request: ApiRequest; m1: Answer; m2: Answer; s: Answer }[] = [];
  const queue = requests.map((request, i) => ({ request, i }));
  const results: typeof answers = new Array(requests.length);
  const worker = async () => {
    for (let item = queue.shift(); item; item = queue.shift()) {
      const { request } = item;
      // Writes go to the monolith only once: a second write would not be a replay of the same request.
      const m1 = await send(options.monolithUrl, request, headerNames, timeout, 'monolith');
      const m2 = isSafe(request.method) ? await send(options.monolithUrl, request, headerNames, timeout, 'monolith') : m1;
      const s = await send(options.serviceUrl, request, headerNames, timeout, 'service');
      results[item.i] = { request, m1, m2, s };
    }
  };
  await Promise.all(Array.from({ length: options.concurrency ?? 4 }, worker));
  answers.push(...results);

  // Noise, learned per endpoint across all of its requests.
  const noise = new Map<string, Set<string>>();
  for (const a of answers) {
    const set = noise.get(a.request.endpoint) ?? new Set<string>();
    for (const d of diffJson(a.m1.body, a.m2.body, options.floatTolerance ?? 0)) set.add(templatePath(d.path));
    for (const h of headerNames) if (a.m1.headers[h] !== a.m2.headers[h]) set.add(`header:${h}`);
    noise.set(a.request.endpoint, set);
  }

  const endpoints = new Map<string, EndpointParity>();
  for (const a of answers) {
    const endpoint = a.request.endpoint;
    const noisy = noise.get(endpoint)!;
    const noisePatterns = [...noisy].filter((p) => p.startsWith('$')).map(compilePathPattern);
    const e = endpoints.get(endpoint) ?? { endpoint, requests: 0, differing: 0, noise: [...noisy].sort(), examples: [] };
    endpoints.set(endpoint, e);
    e.requests++;
    const fields = diffJson(a.m1.body, a.s.body, options.floatTolerance ?? 0).filter(
      (d) => !matchesAny(d.path, ignore) && !matchesAny(d.path, noisePatterns),
    );
    const status = a.m1.status !== a.s.status ? { monolith: a.m1.status, service: a.s.status } : undefined;
    const headers = headerNames
      .filter((h) => !noisy.has(`header:${h}`) && a.m1.headers[h] !== a.s.headers[h])
      .map((h) => ({ name: h, monolith: a.m1.headers[h] ?? null, service: a.s.headers[h] ?? null }));
    if (fields.length === 0 && !status && headers.length === 0) continue;
    e.differing++;
    if (e.examples.length < (options.maxExamples ?? 5)) {
      e.examples.push({ method: a.request.method, path: a.request.path, ...(status ? { status } : {}), ...(headers.length ? { headers } : {}), fields: fields.slice(0, 20) });
    }
  }
  const list = [...endpoints.values()].sort((x, y) => x.endpoint.localeCompare(y.endpoint));
  const totals = {
    endpoints: list.length,
    differingEndpoints: list.filter((e) => e.differing > 0).length,
    differingRequests: list.reduce((n, e) => n + e.differing, 0),
    noisyEndpoints: list.filter((e) => e.noise.length > 0).length,
  };
  return { equal: totals.differingRequests === 0, requests: answers.length, skippedUnsafe, endpoints: list, totals };
}
