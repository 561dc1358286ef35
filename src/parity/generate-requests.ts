/** Requests generated from a context's routes, with parameters filled from the monolith's data. */
import { createPool } from '../adapters/postgres.ts';
import { expandRoute, isSafe, type ApiRequest } from './api-corpus.ts';
import { sampleRouteValues } from './sample-values.ts';

export interface GeneratedRequests {
  requests: ApiRequest[];
  warnings: string[];
}

export async function generateRequests(options: {
  sourceUrl?: string;
  schema?: string;
  routes: string[];
  perRoute?: number;
  allowWrites?: boolean;
}): Promise<GeneratedRequests> {
  const routes = options.routes.filter((r) => options.allowWrites || isSafe(r.trim().split(/\s+/)[0] ?? ''));
  const warnings: string[] = [];
  const skipped = options.routes.length - routes.length;
  if (skipped > 0) warnings.push(`${skipped} route(s) with unsafe methods not replayed (pass --allow-writes for disposable databases)`);
  const needsValues = routes.some((r) => r.includes('/:'));
  let values = new Map<string, string[]>();
  if (needsValues && options.sourceUrl) {
    const pool = await createPool(options.sourceUrl, { role: 'monolith', max: 1, applicationName: 'strangler-parity' });
    try {
      values = await sampleRouteValues(pool, options.schema ?? 'public', routes, options.perRoute ?? 3);
    } finally {
      await pool.end();
    }
  }
  const requests: ApiRequest[] = [];
  for (const route of routes) {
    const expanded = expandRoute(route, (param, before) => values.get(`${param}|${before}`) ?? [], options.perRoute ?? 3);
    if (typeof expanded === 'string') warnings.push(`${expanded}: route not replayed`);
    else requests.push(...expanded);
  }
  return { requests, warnings };
}
