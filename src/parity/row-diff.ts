/** Row-by-row comparison of two sides' rows for one key range (pure). */

export interface FetchedRow {
  key: string[];
  /** Normalized text values, by column (source column names). */
  values: (string | null)[];
  /** Raw float values (or float arrays) for tolerance checks, by column index. */
  floats?: Record<number, FloatValue>;
  /** True when the row changed recently (`--min-age`). */
  recent?: boolean;
}

export interface ColumnDifference {
  column: string;
  source: string | null;
  target: string | null;
}

export interface RowDifference {
  kind: 'missing' | 'extra' | 'changed';
  /** Primary-key values. */
  key: Record<string, string>;
  /** For `changed`: the differing columns. */
  columns?: ColumnDifference[];
}

const MAX_VALUE = 120;

export function truncate(value: string | null): string | null {
  if (value === null || value.length <= MAX_VALUE) return value;
  return `${value.slice(0, MAX_VALUE - 20)}… (${value.length} chars)`;
}

function compareKeys(a: string[], b: string[], order: (x: string, y: string, i: number) => number): number {
  for (let i = 0; i < a.length; i++) {
    const c = order(a[i]!, b[i]!, i);
    if (c !== 0) return c;
  }
  return 0;
}

export interface DiffOptions {
  keyNames: string[];
  columns: string[];
  floatTolerance: number;
  /** Orders key values as the database did (rows arrive sorted by key on both sides). */
  order: (a: string, b: string, index: number) => number;
}

/** Merges two key-sorted row lists. Differences involving a recent row (either side) are left out. */
/** A float, or a float array (nested for more dimensions), as fetched for tolerance checks. */
export type FloatValue = number | null | FloatValue[];

/** Two floats, or two float arrays element by element (same shape, NULLs in the same places), within the tolerance. */
export function withinTolerance(a: FloatValue, b: FloatValue, tolerance: number): boolean {
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => (x === null || b[i] === null ? x === b[i] : withinTolerance(x, b[i]!, tolerance)));
  if (typeof a === 'number' && typeof b === 'number') return Math.abs(a - b) <= tolerance;
  return false;
}

export function diffRows(source: FetchedRow[], target: FetchedRow[], options: DiffOptions): RowDifference[] {
  const out: RowDifference[] = [];
  const keyOf = (r: FetchedRow) => Object.fromEntries(options.keyNames.map((k, i) => [k, r.key[i]!]));
  let i = 0;
  let j = 0;
  while (i < source.length || j < target.length) {
    const s = source[i];
    const t = target[j];
    const c = s && t ? compareKeys(s.key, t.key, options.order) : s ? -1 : 1;
    if (c < 0) {
      if (!s!.recent) out.push({ kind: 'missing', key: keyOf(s!) });
      i++;
    } else if (c > 0) {
      if (!t!.recent) out.push({ kind: 'extra', key: keyOf(t!) });
      j++;
    } else {
      const columns: ColumnDifference[] = [];
      options.columns.forEach((column, k) => {
        const a = s!.values[k] ?? null;
        const b = t!.values[k] ?? null;
        if (a === b) return;
        const fa = s!.floats?.[k];
        const fb = t!.floats?.[k];
        if (fa !== undefined && fb !== undefined && withinTolerance(fa, fb, options.floatTolerance)) return;
        columns.push({ column, source: truncate(a), target: truncate(b) });
      });
      if (columns.length > 0 && !s!.recent && !t!.recent) out.push({ kind: 'changed', key: keyOf(s!), columns });
      i++;
      j++;
    }
  }
  return out;
}
