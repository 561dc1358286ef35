/**
 * nginx and HAProxy, running the export of the sample monolith's 52 routes (each context at `service` with its own
 * upstream), send every probe request where the proxy's route table (matchRoute) sends it: params, trailing
 * slashes, methods a route does not name, and overlapping patterns of different contexts.
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { probeGateway } from './routing-equivalence.ts';

const domainsFile = fileURLToPath(new URL('../../../fixtures/sample-monolith/domains.yaml', import.meta.url));

async function sampleContexts(): Promise<Record<string, string[]>> {
  const domains = parse(await readFile(domainsFile, 'utf8')) as { contexts: Record<string, { routes?: string[] }> };
  const contexts = Object.fromEntries(Object.entries(domains.contexts).filter(([, c]) => c.routes?.length).map(([n, c]) => [n, c.routes!]));
  // an overlap across contexts: a catch-all of one context under a more specific route of another
  contexts.recommendations = [...(contexts.recommendations ?? []), 'ANY /products/:id/*'];
  return contexts;
}

describe.each(['nginx', 'haproxy'] as const)('%s routes like the route table', (format) => {
  it('sends every probe of the sample monolith routes to the side matchRoute picks', async () => {
    const probes = await probeGateway(format, await sampleContexts());
    expect(probes.length).toBeGreaterThan(150);
    expect(new Set(probes.map((p) => p.expected)).size).toBeGreaterThan(5);
    expect(probes.filter((p) => p.expected !== p.got).map((p) => `${p.method} ${p.path}: expected ${p.expected}, got ${p.got}`)).toEqual([]);
  });
});
