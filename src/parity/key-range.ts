/**
 * Ranges of primary-key values: [lo, hi) with open ends, compared as row values so they work for any key type
 * and for composite keys. Bound values travel as text and are cast to the key column types.
 */
import { quoteIdent } from '../adapters/postgres.ts';

export interface KeyRange {
  /** Inclusive lower bound (key values as text); undefined = from the start. */
  lo?: string[];
  /** Exclusive upper bound; undefined = to the end. */
  hi?: string[];
}

export interface KeyColumns {
  names: string[];
  types: string[];
  /**
   * Per column: compare with COLLATE "C". Set for text-like key columns whose collations differ between the two
   * databases, so that a range holds the same keys on both sides (an index on another collation cannot serve it).
   */
  collate?: boolean[];
}

/** The key columns as SQL expressions (quoted, with COLLATE "C" where the sides' collations differ). */
export function keyExpressions(key: KeyColumns): string[] {
  return key.names.map((n, i) => (key.collate?.[i] ? `${quoteIdent(n)} COLLATE "C"` : quoteIdent(n)));
}

/** SQL predicate and parameters for a range, with parameters numbered from `start`. */
export function rangePredicate(key: KeyColumns, range: KeyRange, start = 1): { sql: string; params: string[] } {
  const cols = `(${keyExpressions(key).join(', ')})`;
  const parts: string[] = [];
  const params: string[] = [];
  const bound = (values: string[]) =>
    `(${values.map((v, i) => {
      params.push(v);
      return `$${start + params.length - 1}::${key.types[i]}`;
    }).join(', ')})`;
  if (range.lo) parts.push(`${cols} >= ${bound(range.lo)}`);
  if (range.hi) parts.push(`${cols} < ${bound(range.hi)}`);
  return { sql: parts.length > 0 ? parts.join(' AND ') : 'true', params };
}

export function describeRange(range: KeyRange): string {
  const show = (v?: string[]) => (v ? (v.length === 1 ? v[0]! : `(${v.join(', ')})`) : undefined);
  return `[${show(range.lo) ?? '-inf'}, ${show(range.hi) ?? '+inf'})`;
}

const INTEGER_TYPES = new Set(['smallint', 'integer', 'bigint']);

export function isIntegerKey(key: KeyColumns): boolean {
  return key.names.length === 1 && INTEGER_TYPES.has(key.types[0]!);
}

/** Ranges between consecutive bounds, inside `outer`. */
export function fromBounds(bounds: string[][], outer: KeyRange = {}): KeyRange[] {
  const ranges: KeyRange[] = [];
  let lo = outer.lo;
  for (const b of bounds) {
    ranges.push({ lo, hi: b });
    lo = b;
  }
  ranges.push({ lo, hi: outer.hi });
  return ranges;
}
