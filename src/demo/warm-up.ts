/**
 * A freshly started service compiles its code on the first requests (tsx, the JIT, connection pools): its first
 * answers are slow enough to trip the proxy's p99 guardrail. Like a deployment's warm-up, the context's GET routes are
 * called directly a few times (path parameters 1) before the proxy sends it anything.
 */
import { parseRoute, isRouteError } from '../routing/route-pattern.ts';

export async function warmUp(baseUrl: string, routes: string[], rounds = 5, signal?: AbortSignal): Promise<number> {
  const paths: string[] = [];
  for (const route of routes) {
    const r = parseRoute(route);
    if (!isRouteError(r) && r.method === 'GET') paths.push(r.path.replace(/:[A-Za-z_][A-Za-z0-9_]*\??/g, '1'));
  }
  let sent = 0;
  for (let i = 0; i < rounds && !signal?.aborted; i++) {
    for (const p of paths) {
      const res = await fetch(`${baseUrl}${p}`, { signal }).catch(() => undefined);
      await res?.arrayBuffer().catch(() => {});
      sent++;
    }
  }
  return sent;
}
