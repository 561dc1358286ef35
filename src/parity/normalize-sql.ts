/**
 * SQL that turns a column into text that is equal on both sides exactly when the values are equal by meaning:
 * numeric scale does not matter (10.5 = 10.50, also inside numeric arrays), timestamptz is compared as an instant (every parity session runs
 * with TimeZone=UTC and DateStyle=ISO, see PARITY_SESSION), json and jsonb
 * compare as canonical jsonb (key order and whitespace do not matter), floats (and the elements of float arrays) are rounded to the tolerance.
 * The same expressions feed the range checksums (inside each database) and the row-by-row comparison.
 */
import { quoteIdent } from '../adapters/postgres.ts';
import type { ColumnShape } from './table-shape.ts';

/** Digits kept for floats when a tolerance is set (e.g. 0.001 -> 3); a hash only, rows are compared with the tolerance. */
export function floatDigits(tolerance: number): number {
  return Math.max(0, Math.min(15, Math.ceil(-Math.log10(tolerance))));
}

/** double precision[] / real[]: arrays whose elements are compared within the float tolerance. */
export function isFloatArray(column: ColumnShape): boolean {
  return column.baseType === 'array' && /^(double precision|real|float[48])(\[\])+$/.test(column.type);
}

/** Each element of a one-dimensional float array rounded to the tolerance's digits, in order (deeper arrays exact). */
function roundedFloatArray(ref: string, floatTolerance: number): string {
  return `CASE WHEN ${ref} IS NULL THEN NULL WHEN array_ndims(${ref}) > 1 THEN ${ref}::numeric[] ELSE ARRAY(SELECT round(x::numeric, ${floatDigits(floatTolerance)}) FROM unnest(${ref}) WITH ORDINALITY AS u(x, i) ORDER BY i) END`;
}

/** The normalized value (not yet text); cast with ::text to read it. */
export function normalizedColumn(column: ColumnShape, floatTolerance: number, alias = ''): string {
  const ref = `${alias ? `${alias}.` : ''}${quoteIdent(column.name)}`;
  switch (column.baseType) {
    case 'numeric':
      return `trim_scale(${ref})`;
    case 'float4':
    case 'float8':
      return floatTolerance > 0 ? `round(${ref}::numeric, ${floatDigits(floatTolerance)})` : ref;
    case 'json':
    case 'jsonb':
      return `${ref}::jsonb`;
    case 'array':
      // numeric[]: each element without its trailing zeros (the order of the elements is kept)
      if (/^numeric(\(.*\))?\[\]$/.test(column.type)) {
        return `CASE WHEN ${ref} IS NULL THEN NULL ELSE ARRAY(SELECT trim_scale(x) FROM unnest(${ref}) WITH ORDINALITY AS u(x, i) ORDER BY i) END`;
      }
      return isFloatArray(column) && floatTolerance > 0 ? roundedFloatArray(ref, floatTolerance) : ref;
    default:
      return ref;
  }
}

/** A row as one text value (row-to-text quotes fields and writes NULL as empty, so NULL and '' differ). */
export function normalizedRow(columns: ColumnShape[], floatTolerance: number, alias = ''): string {
  return `ROW(${columns.map((c) => normalizedColumn(c, floatTolerance, alias)).join(', ')})::text`;
}

const familyCast: Record<string, string> = { int: 'numeric', float: 'float8', text: 'text', json: 'jsonb' };

/**
 * The value of one column as it enters the row hash. Values are hashed with their type's own hash function
 * (numeric ignores scale, timestamptz hashes the instant, jsonb is canonical), which is far cheaper than printing
 * them. Where the two sides' types differ they are cast to a common type; enums (hashed by OID, which differs
 * between databases) and types without a hash function are hashed as text.
 */
export function hashedColumn(column: ColumnShape, other: ColumnShape, floatTolerance: number): string {
  const ref = quoteIdent(column.name);
  const float = column.baseType === 'float4' || column.baseType === 'float8';
  if (float && floatTolerance > 0) return `round(${ref}::numeric, ${floatDigits(floatTolerance)})`;
  if (floatTolerance > 0 && isFloatArray(column) && isFloatArray(other)) return roundedFloatArray(ref, floatTolerance);
  if (column.baseType !== other.baseType) {
    const cast = familyCast[families[column.baseType] ?? ''];
    return cast ? `${ref}::${cast}` : `${ref}::text`;
  }
  if (column.baseType === 'json' || column.baseType === 'jsonb') return `${ref}::jsonb`;
  if (column.category === 'E' || !column.hashable || !other.hashable) return `${ref}::text`;
  return ref;
}

/**
 * The seeded 64-bit hash function that the default hash operator class of each type uses (pg_amproc support
 * function 2), by the type of the value being hashed. They share the equality semantics of the type: numeric
 * ignores scale, jsonb is canonical, float8 treats -0 and 0 alike, timestamp hashes the instant (timestamptz is
 * hashed as its interval since the epoch, or cast to timestamp, which is exact because every parity session runs
 * with TimeZone=UTC).
 */
const hashFunctions: Record<string, string> = {
  int2: 'hashint2extended',
  int4: 'hashint4extended',
  int8: 'hashint8extended',
  numeric: 'hash_numeric_extended',
  float4: 'hashfloat4extended',
  float8: 'hashfloat8extended',
  text: 'hashtextextended',
  varchar: 'hashtextextended',
  bpchar: 'hashbpcharextended',
  name: 'hashnameextended',
  uuid: 'uuid_hash_extended',
  jsonb: 'jsonb_hash_extended',
  timestamp: 'timestamp_hash_extended',
  time: 'time_hash_extended',
  interval: 'interval_hash_extended',
  array: 'hash_array_extended',
};

/** The type a hashedColumn() expression has, for picking its hash function. */
function hashedType(column: ColumnShape, other: ColumnShape, floatTolerance: number): string | undefined {
  const float = column.baseType === 'float4' || column.baseType === 'float8';
  if (float && floatTolerance > 0) return 'numeric';
  if (column.baseType !== other.baseType) {
    const cast = familyCast[families[column.baseType] ?? ''];
    return cast === 'float8' ? 'float8' : (cast ?? 'text');
  }
  if (column.baseType === 'json' || column.baseType === 'jsonb') return 'jsonb';
  if (column.category === 'E' || !column.hashable || !other.hashable) return 'text';
  return column.baseType;
}

export interface RowHashOptions {
  /**
   * Hash timestamptz as the interval since the Unix epoch instead of casting it to timestamp: the same instant
   * gives the same interval whatever the session time zone, and a subtraction costs far less than the time-zone
   * conversion of the cast. Only where both servers can subtract infinite timestamps (PostgreSQL 17+).
   */
  timestamptzAsInterval?: boolean;
}

/** Both servers can subtract infinite timestamps (server_version_num of each side). */
export function supportsInfiniteIntervals(versions: number[]): boolean {
  return versions.every((v) => v >= 170000);
}

/**
 * A 64-bit hash of the row, summed per range (a sum ignores row order). Each column is hashed with its type's
 * own seeded hash function (a different seed per column position, NULL as a per-position constant, skipped for
 * NOT NULL columns) and the column hashes are combined with XOR: no record is built and no value is printed,
 * which makes this about a third cheaper than hash_record_extended(ROW(...)) and far cheaper than md5 of the
 * row text. Columns of types without such a function here are hashed together with hash_record_extended
 * (PostgreSQL 14+).
 */
export function rowHash(columns: ColumnShape[], others: ColumnShape[], floatTolerance: number, options: RowHashOptions = {}): string {
  const parts: string[] = [];
  const rest: string[] = [];
  columns.forEach((c, i) => {
    const expr = hashedColumn(c, others[i]!, floatTolerance);
    const type = hashedType(c, others[i]!, floatTolerance);
    const hashed = type === 'timestamptz' ? timestamptzHash(expr, i + 1, options) : type && hashFunctions[type] ? `${hashFunctions[type]}(${expr}, ${i + 1})` : undefined;
    if (!hashed) {
      rest.push(expr);
      return;
    }
    parts.push(c.notNull ? hashed : `coalesce(${hashed}, ${-(i + 1)})`);
  });
  if (rest.length > 0) parts.push(`coalesce(hash_record_extended(ROW(${rest.join(', ')}), 0), 0)`);
  return `(${parts.join(' # ')})`;
}

function timestamptzHash(expr: string, seed: number, options: RowHashOptions): string {
  return options.timestamptzAsInterval
    ? `interval_hash_extended(${expr} - timestamptz '1970-01-01 00:00:00+00', ${seed})`
    : `timestamp_hash_extended((${expr})::timestamp, ${seed})`;
}

/** Settings of every parity session, so both sides print values the same way. */
export const PARITY_SESSION = { TimeZone: 'UTC', DateStyle: 'ISO,YMD', IntervalStyle: 'postgres', extra_float_digits: '1' };

/** Types that compare by meaning across each other (numeric scale aside, which normalization handles). */
const families: Record<string, string> = {
  int2: 'int', int4: 'int', int8: 'int', numeric: 'int',
  float4: 'float', float8: 'float',
  varchar: 'text', text: 'text', bpchar: 'text', name: 'text',
  json: 'json', jsonb: 'json',
  timestamptz: 'timestamptz', timestamp: 'timestamp',
};

export function comparableTypes(a: ColumnShape, b: ColumnShape): boolean {
  if (a.type === b.type) return true;
  const fa = families[a.baseType] ?? a.baseType;
  const fb = families[b.baseType] ?? b.baseType;
  return fa === fb;
}
