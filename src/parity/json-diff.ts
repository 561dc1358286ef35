/** Structural JSON comparison and path patterns (pure). */

export interface JsonDifference {
  /** JSONPath of the value: `$.items[2].price`. */
  path: string;
  kind: 'value' | 'type' | 'missing' | 'extra';
  monolith?: unknown;
  service?: unknown;
}

const typeOf = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);

function childPath(path: string, key: string | number): string {
  if (typeof key === 'number') return `${path}[${key}]`;
  return /^[A-Za-z_$][\w$]*$/.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`;
}

/** Differences between two JSON values; numbers equal within `tolerance`. */
export function diffJson(a: unknown, b: unknown, tolerance = 0, path = '$', out: JsonDifference[] = []): JsonDifference[] {
  const ta = typeOf(a);
  const tb = typeOf(b);
  if (ta !== tb) {
    out.push({ path, kind: 'type', monolith: a, service: b });
    return out;
  }
  if (ta === 'array') {
    const x = a as unknown[];
    const y = b as unknown[];
    for (let i = 0; i < Math.max(x.length, y.length); i++) {
      if (i >= y.length) out.push({ path: childPath(path, i), kind: 'missing', monolith: x[i] });
      else if (i >= x.length) out.push({ path: childPath(path, i), kind: 'extra', service: y[i] });
      else diffJson(x[i], y[i], tolerance, childPath(path, i), out);
    }
    return out;
  }
  if (ta === 'object') {
    const x = a as Record<string, unknown>;
    const y = b as Record<string, unknown>;
    for (const key of [...new Set([...Object.keys(x), ...Object.keys(y)])].sort()) {
      if (!(key in y)) out.push({ path: childPath(path, key), kind: 'missing', monolith: x[key] });
      else if (!(key in x)) out.push({ path: childPath(path, key), kind: 'extra', service: y[key] });
      else diffJson(x[key], y[key], tolerance, childPath(path, key), out);
    }
    return out;
  }
  if (ta === 'number' && Math.abs((a as number) - (b as number)) <= tolerance) return out;
  if (a !== b) out.push({ path, kind: 'value', monolith: a, service: b });
  return out;
}

/** `$.items[3].price` -> `$.items[*].price`: the same field in every element of an array. */
export function templatePath(path: string): string {
  return path.replace(/\[\d+\]/g, '[*]');
}

/**
 * Ignore patterns: `$.a.b` (exact), `$.items[*].etag` (any index), `$..requestId` (at any depth),
 * `$.meta.*` (any key). A pattern also covers everything below the path it names.
 */
export function compilePathPattern(pattern: string): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const rest = pattern.slice(i);
    if (rest.startsWith('..')) {
      re += '(?:\\.[^.\\[]+|\\[[^\\]]+\\])*\\.';
      i += 1;
    } else if (rest.startsWith('[*]')) {
      re += '\\[\\d+\\]';
      i += 2;
    } else if (rest.startsWith('.*')) {
      re += '(?:\\.[^.\\[]+|\\[[^\\]]+\\])';
      i += 1;
    } else {
      re += pattern[i]!.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    }
  }
  return new RegExp(`^${re}(?:$|[.\\[])`);
}

export function matchesAny(path: string, patterns: RegExp[]): boolean {
  return patterns.some((p) => p.test(path));
}
