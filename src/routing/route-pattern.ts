/**
 * Route patterns as strangler.yaml writes them (`GET /products/:id`, `ANY /cart/*`): parsed, checked and matched.
 * Pure; no imports from the config layer (the schema uses it to check contexts.<d>.routes).
 */

export const routeMethods = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'ANY'] as const;
export type RouteMethod = (typeof routeMethods)[number];

export interface RoutePattern {
  /** The route as written, normalized: `GET /products/:id`. */
  text: string;
  method: RouteMethod;
  /** `/products/:id` */
  path: string;
  /** Literal segments, `:param` segments, and an optional trailing `*` (any rest of the path). */
  segments: { kind: 'literal' | 'param' | 'rest'; value: string }[];
}

const segmentRe = /^(?::[A-Za-z_][A-Za-z0-9_]*|\*|[A-Za-z0-9._~!$&'()+,;=@%-]+)$/;

/** Parses `METHOD /path`; returns an error sentence instead of throwing, for the schema's messages. */
export function parseRoute(text: string): RoutePattern | { error: string } {
  const m = /^\s*([A-Za-z]+)\s+(\/\S*)\s*$/.exec(text);
  if (!m) return { error: `"${text}" is not a route: expected "METHOD /path", e.g. "GET /products/:id"` };
  const method = m[1]!.toUpperCase() as RouteMethod;
  if (!routeMethods.includes(method)) return { error: `"${text}": unknown method ${m[1]} (expected one of ${routeMethods.join(', ')})` };
  const p = m[2]!.split('?')[0]!.replace(/\/+$/, '') || '/';
  const parts = p === '/' ? [] : p.slice(1).split('/');
  const segments: RoutePattern['segments'] = [];
  for (const [i, part] of parts.entries()) {
    if (!segmentRe.test(part)) return { error: `"${text}": invalid path segment "${part}" (use literals, :name or a trailing *)` };
    if (part === '*' && i !== parts.length - 1) return { error: `"${text}": "*" may only end a path` };
    segments.push(part === '*' ? { kind: 'rest', value: '*' } : part.startsWith(':') ? { kind: 'param', value: part.slice(1) } : { kind: 'literal', value: part });
  }
  return { text: `${method} ${p}`, method, path: p, segments };
}

export function isRouteError(r: RoutePattern | { error: string }): r is { error: string } {
  return 'error' in r;
}

/** Does the request path (without query) match the pattern's segments? */
export function matchesPath(pattern: RoutePattern, requestPath: string): boolean {
  const parts = requestPath === '/' || requestPath === '' ? [] : requestPath.replace(/\/+$/, '').slice(1).split('/');
  const segs = pattern.segments;
  for (let i = 0; i < segs.length; i++) {
    const s = segs[i]!;
    if (s.kind === 'rest') return true;
    const part = parts[i];
    if (part === undefined) return false;
    if (s.kind === 'literal' && s.value !== part) return false;
    if (s.kind === 'param' && part === '') return false;
  }
  return parts.length === segs.length;
}

/** Higher is more specific: literals beat params beat a rest; a named method beats ANY. */
export function specificity(pattern: RoutePattern): number {
  let score = pattern.method === 'ANY' ? 0 : 1;
  for (const s of pattern.segments) score += s.kind === 'literal' ? 100 : s.kind === 'param' ? 10 : 0;
  return score * 1000 + pattern.segments.length;
}
