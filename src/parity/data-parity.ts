/**
 * Data parity: compares each table of a context between the monolith database (source) and the service
 * database (target) by primary key. Checksums (count + sum of 64-bit row hashes) are computed inside each
 * database over key ranges, both sides in parallel; ranges whose checksums differ are split again until they
 * are small enough to fetch, then compared row by row.
 */
import type pg from 'pg';
import { createPool, quoteIdent } from '../adapters/postgres.ts';
import { describeRelations, parseTableName, relationConfigError } from '../adapters/postgres-relations.ts';
import { ConfigError, UsageError } from '../errors.ts';
import { fromBounds, isIntegerKey, keyExpressions, rangePredicate, type KeyColumns, type KeyRange } from './key-range.ts';
import { comparableTypes, isFloatArray, normalizedColumn, normalizedRow, PARITY_SESSION, rowHash, supportsInfiniteIntervals, type RowHashOptions } from './normalize-sql.ts';
import { diffRows, type FetchedRow, type FloatValue, type RowDifference } from './row-diff.ts';
import { readTableShape, type ColumnShape, type TableShape } from './table-shape.ts';

export interface CompareTablesOptions {
  /** Monolith database URL. */
  source: string;
  /** Service database URL. */
  target: string;
  /** Tables to compare (`table` or `schema.table`). */
  tables: string[];
  /** The context whose tables these are (for messages: `contexts.<context>.tables`). */
  context?: string;
  sourceSchema?: string;
  targetSchema?: string;
  /** `{ table: { sourceColumn: targetColumn } }` when the service renamed columns. */
  columnMap?: Record<string, Record<string, string>>;
  floatTolerance?: number;
  /** Leave out rows changed in the last N seconds on either side (needs `updatedAtColumn`). */
  minAgeSeconds?: number;
  updatedAtColumn?: string;
  /** Tables without a primary key: compare whole rows as a multiset instead of failing. */
  fullRow?: boolean;
  /** Ranges at or below this many rows (on both sides) are fetched and compared row by row. */
  fetchThreshold?: number;
  /** Rows per first-level range. */
  rowsPerRange?: number;
  /** Differences kept per table (the counts stay exact). */
  maxExamples?: number;
  onProgress?: (event: { table: string; phase: string; ranges: number }) => void;
}

export interface TableParity {
  table: string;
  sourceRows: number;
  targetRows: number;
  equal: boolean;
  missing: number;
  extra: number;
  changed: number;
  differences: RowDifference[];
  /** Checksum queries run per side, and rows fetched, for the curious. */
  stats: { checksumQueries: number; rowsFetched: number; mode: 'key' | 'full-row' };
  warnings: string[];
}

export interface DataParityResult {
  equal: boolean;
  tables: TableParity[];
  totals: { missing: number; extra: number; changed: number; tables: number; tablesWithDifferences: number };
}

interface Side {
  pool: pg.Pool;
  shape: TableShape;
  columns: ColumnShape[];
  /** The other side's columns, aligned with `columns`. */
  others: ColumnShape[];
  recentSql?: string;
  qualified: string;
  /** SQL of the row hash (see rowHash). */
  hash: string;
}

export async function compareTables(options: CompareTablesOptions): Promise<DataParityResult> {
  if (options.tables.length === 0) throw new UsageError('no tables to compare', 'list them in contexts.<name>.tables or pass --tables');
  const [sourcePool, targetPool] = await Promise.all([
    createPool(options.source, { role: 'monolith (source)', max: 3, applicationName: 'strangler-parity', settings: PARITY_SESSION }),
    createPool(options.target, { role: 'service (target)', max: 3, applicationName: 'strangler-parity', settings: PARITY_SESSION }),
  ]);
  try {
    const versions = await Promise.all([sourcePool, targetPool].map(serverVersion));
    const hashOptions: RowHashOptions = { timestamptzAsInterval: supportsInfiniteIntervals(versions) };
    await refuseNonTables(sourcePool, targetPool, options);
    const tables: TableParity[] = [];
    for (const name of options.tables) tables.push(await compareTable(name, sourcePool, targetPool, options, hashOptions));
    const totals = {
      missing: sum(tables, 'missing'),
      extra: sum(tables, 'extra'),
      changed: sum(tables, 'changed'),
      tables: tables.length,
      tablesWithDifferences: tables.filter((t) => !t.equal).length,
    };
    return { equal: totals.tablesWithDifferences === 0, tables, totals };
  } finally {
    await Promise.all([sourcePool.end(), targetPool.end()]);
  }
}

/** A name that is missing or not a table (a view...) on either side: one config error (exit 2), as sync gives. */
async function refuseNonTables(sourcePool: pg.Pool, targetPool: pg.Pool, options: CompareTablesOptions): Promise<void> {
  const where = options.context ? `contexts.${options.context}.tables` : '--tables';
  const sources = await describeRelations(sourcePool, options.tables, options.sourceSchema ?? 'public');
  for (const info of sources) {
    const e = relationConfigError(info, where);
    if (e) throw e;
  }
  const targets = await describeRelations(targetPool, sources.map((s) => targetName(s.table, options)), options.targetSchema ?? 'public');
  for (const info of targets) {
    if (info.kind !== 'missing') continue;
    throw new ConfigError(
      `the service database has no table ${info.schema}.${info.table} for ${where}`,
      `create it (strangler sync start does), or fix ${options.context ? `contexts.${options.context}.service.schema` : '--target'}`,
    );
  }
}

/** The service side of a monolith table: `<service schema>.<table>`, as sync creates it. */
function targetName(table: string, options: CompareTablesOptions): string {
  return `"${(options.targetSchema ?? 'public').replace(/"/g, '""')}"."${table.replace(/"/g, '""')}"`;
}

async function serverVersion(pool: pg.Pool): Promise<number> {
  const { rows } = await pool.query<{ v: string }>(`SELECT current_setting('server_version_num') AS v`);
  return Number(rows[0]!.v);
}

function sum(tables: TableParity[], key: 'missing' | 'extra' | 'changed'): number {
  return tables.reduce((n, t) => n + t[key], 0);
}

async function compareTable(
  name: string,
  sourcePool: pg.Pool,
  targetPool: pg.Pool,
  options: CompareTablesOptions,
  hashOptions: RowHashOptions,
): Promise<TableParity> {
  const src = parseTableName(name, options.sourceSchema ?? 'public');
  const tgt = { schema: options.targetSchema ?? 'public', table: src.table };
  const [sourceShape, targetShape] = await Promise.all([
    readTableShape(sourcePool, src.schema, src.table),
    readTableShape(targetPool, tgt.schema, tgt.table),
  ]);
  if (!sourceShape) throw new ConfigError(`table ${src.schema}.${src.table} does not exist in the monolith database`, 'fix contexts.<name>.tables or --tables');
  if (!targetShape) throw new ConfigError(`table ${tgt.schema}.${tgt.table} does not exist in the service database`, 'create it (strangler sync does) or fix service.schema');
  const map = options.columnMap?.[src.table] ?? options.columnMap?.[name] ?? {};
  const warnings: string[] = [];
  const sourceColumns: ColumnShape[] = [];
  const targetColumns: ColumnShape[] = [];
  for (const column of sourceShape.columns) {
    const targetName = map[column.name] ?? column.name;
    const other = targetShape.columns.find((c) => c.name === targetName);
    if (!other) {
      throw new ConfigError(
        `${src.table}.${column.name} has no column ${targetName} in the service table ${tgt.schema}.${tgt.table}`,
        `add it to the service, or map it: contexts.<name>.parity.columnMap.${src.table}.${column.name}: <service column>`,
      );
    }
    if (!comparableTypes(column, other)) {
      throw new ConfigError(
        `${src.table}.${column.name} is ${column.type} in the monolith but ${other.type} in the service`,
        'align the column types, or map the column to one of a comparable type',
      );
    }
    sourceColumns.push(column);
    targetColumns.push(other);
  }
  for (const c of targetShape.columns) {
    if (!targetColumns.includes(c)) warnings.push(`service column ${tgt.table}.${c.name} has no monolith counterpart and is not compared`);
  }
  const tolerance = options.floatTolerance ?? 0;
  const recent = (shape: TableShape, columns: ColumnShape[]) => {
    if (options.minAgeSeconds === undefined) return undefined;
    const col = options.updatedAtColumn ?? 'updated_at';
    const index = sourceColumns.findIndex((c) => c.name === col);
    const column = index >= 0 ? columns[index] : undefined;
    if (!column) {
      warnings.push(`--min-age ignored for ${shape.table}: no ${col} column`);
      return undefined;
    }
    return `${quoteIdent(column.name)} >= now() - interval '${Number(options.minAgeSeconds)} seconds'`;
  };
  const side = (pool: pg.Pool, shape: TableShape, columns: ColumnShape[], others: ColumnShape[]): Side => ({
    pool, shape, columns, others,
    qualified: `${quoteIdent(shape.schema)}.${quoteIdent(shape.table)}`,
    hash: rowHash(columns, others, tolerance, hashOptions),
  });
  const source = side(sourcePool, sourceShape, sourceColumns, targetColumns);
  const target = side(targetPool, targetShape, targetColumns, sourceColumns);
  source.recentSql = recent(sourceShape, sourceColumns);
  target.recentSql = recent(targetShape, targetColumns);

  const keyNames = sourceShape.primaryKey;
  if (keyNames.length === 0) {
    if (!options.fullRow) {
      throw new UsageError(
        `table ${src.schema}.${src.table} has no primary key, so rows cannot be matched`,
        'add a primary key, or pass --full-row to compare whole rows as a multiset',
      );
    }
    return compareFullRows(name, source, target, tolerance, warnings, options.maxExamples);
  }
  const targetKey = keyNames.map((k) => map[k] ?? k);
  const keyTypes = keyNames.map((k) => sourceShape.columns.find((c) => c.name === k)!.type);
  const collate = keyNames.map((k, i) => {
    const a = sourceShape.columns.find((c) => c.name === k)!.collation;
    const b = targetShape.columns.find((c) => c.name === targetKey[i])?.collation ?? null;
    return a !== null && b !== null && a !== b;
  });
  if (collate.some(Boolean)) warnings.push(`${name}: key collations differ between the databases; key ranges compare in the C collation (no index use)`);
  const engine = new RangeComparer(name, source, target, { names: keyNames, types: keyTypes, collate }, targetKey, tolerance, options);
  return engine.run(warnings);
}

class RangeComparer {
  private checksumQueries = 0;
  private rowsFetched = 0;
  private readonly differences: RowDifference[] = [];
  private counts = { missing: 0, extra: 0, changed: 0 };

  constructor(
    private readonly name: string,
    private readonly source: Side,
    private readonly target: Side,
    private readonly key: KeyColumns,
    private readonly targetKeyNames: string[],
    private readonly tolerance: number,
    private readonly options: CompareTablesOptions,
  ) {}

  async run(warnings: string[]): Promise<TableParity> {
    const [sourceEstimate, targetEstimate] = await Promise.all([this.estimate(this.source), this.estimate(this.target)]);
    const rowsPerRange = this.options.rowsPerRange ?? 10_000;
    const firstLevel = Math.max(1, Math.ceil(Math.max(sourceEstimate, targetEstimate) / rowsPerRange));
    this.options.onProgress?.({ table: this.name, phase: 'checksum', ranges: firstLevel });
    if (isIntegerKey(this.key)) await this.compareIntegerRange({}, firstLevel);
    else await this.compareRanges(await this.split({}, firstLevel, sourceEstimate >= targetEstimate ? this.source : this.target, Math.max(sourceEstimate, targetEstimate)), true);
    const equal = this.counts.missing + this.counts.extra + this.counts.changed === 0;
    return {
      table: this.name,
      sourceRows: this.rows.source,
      targetRows: this.rows.target,
      equal,
      ...this.counts,
      differences: this.sortedDifferences(),
      stats: { checksumQueries: this.checksumQueries, rowsFetched: this.rowsFetched, mode: 'key' },
      warnings,
    };
  }

  /** Differences in key order (ranges are compared concurrently, so they are found in no particular order). */
  private sortedDifferences(): RowDifference[] {
    const order = keyOrder(this.key);
    const values = (d: RowDifference) => this.key.names.map((n) => d.key[n]!);
    return [...this.differences].sort((a, b) => {
      const x = values(a);
      const y = values(b);
      for (let i = 0; i < x.length; i++) {
        const c = order(x[i]!, y[i]!, i);
        if (c !== 0) return c;
      }
      return 0;
    });
  }

  /** Exact row counts, summed from the first level of checksums. */
  private readonly rows = { source: 0, target: 0 };
  private firstLevelDone = false;

  /** The planner's row estimate (no scan); only used to size the first level of ranges. */
  private async estimate(side: Side): Promise<number> {
    const { rows } = await side.pool.query<{ n: string | null }>(`SELECT reltuples::bigint::text AS n FROM pg_class WHERE oid = $1::regclass`, [side.qualified]);
    return Math.max(0, Number(rows[0]?.n ?? 0));
  }

  private countFirstLevel(source: number, target: number): void {
    if (this.firstLevelDone) return;
    this.rows.source += source;
    this.rows.target += target;
  }

  /**
   * Integer keys: the range is cut into equal-width buckets and each side returns every bucket's count and hash
   * in ONE grouped scan; only the buckets that differ are looked at again, with finer buckets, or fetched.
   */
  private async compareIntegerRange(range: KeyRange, buckets: number, known?: { min: bigint; max: bigint }): Promise<void> {
    // A bucket's own bounds serve as the span of its sub-buckets: no min/max query per level.
    const span = known ?? (await this.integerSpan(range));
    if (!span) {
      this.firstLevelDone = true;
      return;
    }
    const width = span.max - span.min + 1n;
    const n = BigInt(Math.max(1, Math.min(buckets, Number(width < 1_000_000_000n ? width : 1_000_000_000n))));
    const step = (width + n - 1n) / n;
    const [a, b] = await Promise.all([
      this.bucketChecksums(this.source, this.key.names, range, span.min, step),
      this.bucketChecksums(this.target, this.targetKeyNames, range, span.min, step),
    ]);
    const first = !this.firstLevelDone && range.lo === undefined && range.hi === undefined;
    if (first) {
      this.countFirstLevel([...a.values()].reduce((x, v) => x + v.n, 0), [...b.values()].reduce((x, v) => x + v.n, 0));
      this.firstLevelDone = true;
    }
    const differing = [...new Set([...a.keys(), ...b.keys()])]
      .filter((k) => a.get(k)?.n !== b.get(k)?.n || a.get(k)?.h !== b.get(k)?.h)
      .map((k) => ({ bucket: BigInt(k), rows: Math.max(a.get(k)?.n ?? 0, b.get(k)?.n ?? 0) }))
      .sort((x, y) => (x.bucket < y.bucket ? -1 : 1));
    const fetchThreshold = this.options.fetchThreshold ?? 2_000;
    const worker = async () => {
      for (let d = differing.shift(); d; d = differing.shift()) {
        const lo = span.min + d.bucket * step;
        const sub: KeyRange = { lo: [String(lo)], hi: [String(lo + step)] };
        if (d.rows <= fetchThreshold || step === 1n) await this.fetchAndDiff(sub);
        else await this.compareIntegerRange(sub, 64, { min: lo, max: lo + step - 1n });
      }
    };
    await Promise.all([worker(), worker()]);
  }

  private async integerSpan(range: KeyRange): Promise<{ min: bigint; max: bigint } | undefined> {
    const spans = await Promise.all(
      [this.source, this.target].map((side) => {
        const names = side === this.source ? this.key.names : this.targetKeyNames;
        const p = rangePredicate({ ...this.key, names }, range);
        const k = quoteIdent(names[0]!);
        return side.pool.query<{ lo: string | null; hi: string | null }>(
          `SELECT min(${k})::text AS lo, max(${k})::text AS hi FROM ${side.qualified} WHERE ${p.sql}`,
          p.params,
        );
      }),
    );
    const los = spans.map((s) => s.rows[0]!.lo).filter((v): v is string => v !== null).map(BigInt);
    const his = spans.map((s) => s.rows[0]!.hi).filter((v): v is string => v !== null).map(BigInt);
    if (los.length === 0) return undefined;
    return { min: los.reduce((x, y) => (x < y ? x : y)), max: his.reduce((x, y) => (x > y ? x : y)) };
  }

  private async bucketChecksums(side: Side, keyNames: string[], range: KeyRange, min: bigint, step: bigint) {
    this.checksumQueries++;
    const pred = rangePredicate({ ...this.key, names: keyNames }, range, 3);
    const recent = side.recentSql ? ` AND NOT coalesce(${side.recentSql}, false)` : '';
    const sql = `SELECT ((${quoteIdent(keyNames[0]!)} - $1::bigint) / $2::bigint) AS b, count(*) AS n, sum(${side.hash})::text AS h
           FROM ${side.qualified} WHERE ${pred.sql}${recent} GROUP BY 1`;
    const params = [String(min), String(step), ...pred.params];
    type Bucket = { b: string; n: string; h: string };
    // Inside a bucket (a few thousand rows) any plan is cheap: one round trip.
    if (range.lo !== undefined || range.hi !== undefined) {
      const { rows } = await side.pool.query<Bucket>(sql, params);
      return new Map(rows.map((r) => [r.b, { n: Number(r.n), h: r.h }]));
    }
    // The planner guesses one group per key for `(id - lo) / step` and would sort the whole table; there are only
    // as many groups as buckets, so hash aggregation is right: say so for this query only.
    const client = await side.pool.connect();
    let rows: Bucket[];
    try {
      await client.query('BEGIN READ ONLY');
      await client.query('SET LOCAL enable_sort = off');
      rows = (await client.query<Bucket>(sql, params)).rows;
      await client.query('COMMIT');
      client.release();
    } catch (e) {
      client.release(true);
      throw e;
    }
    return new Map(rows.map((r) => [r.b, { n: Number(r.n), h: r.h }]));
  }

  /** Compares ranges (two at a time per side), descending into the ones whose checksums differ. */
  private async compareRanges(ranges: KeyRange[], firstLevel = false): Promise<void> {
    const queue = [...ranges];
    const worker = async () => {
      for (let range = queue.shift(); range; range = queue.shift()) {
        const [a, b] = await Promise.all([this.checksum(this.source, this.key.names, range), this.checksum(this.target, this.targetKeyNames, range)]);
        if (firstLevel) this.countFirstLevel(a.count, b.count);
        if (a.count === b.count && a.hash === b.hash) continue;
        const fetchThreshold = this.options.fetchThreshold ?? 2_000;
        if (Math.max(a.count, b.count) <= fetchThreshold) {
          await this.fetchAndDiff(range);
          continue;
        }
        const parts = await this.split(range, 16, a.count >= b.count ? this.source : this.target);
        if (parts.length <= 1) {
          await this.fetchAndDiff(range);
          continue;
        }
        await this.compareRanges(parts);
      }
    };
    await Promise.all([worker(), worker()]);
    if (firstLevel) this.firstLevelDone = true;
  }

  private async checksum(side: Side, keyNames: string[], range: KeyRange): Promise<{ count: number; hash: string }> {
    this.checksumQueries++;
    const pred = rangePredicate({ ...this.key, names: keyNames }, range);
    const recent = side.recentSql ? ` AND NOT coalesce(${side.recentSql}, false)` : '';
    const { rows } = await side.pool.query<{ n: string; h: string | null }>(
      `SELECT count(*) AS n, sum(${side.hash})::text AS h FROM ${side.qualified} WHERE ${pred.sql}${recent}`,
      pred.params,
    );
    return { count: Number(rows[0]!.n), hash: rows[0]!.h ?? '0' };
  }

  /** Splits a range into about `parts` sub-ranges at quantiles of the key (non-integer keys). */
  private async split(range: KeyRange, parts: number, by: Side = this.source, estimatedRows = 0): Promise<KeyRange[]> {
    if (parts <= 1) return [range];
    const keyNames = by === this.source ? this.key.names : this.targetKeyNames;
    const key = { ...this.key, names: keyNames };
    const pred = rangePredicate(key, range);
    // Quantiles of the key within the range, from the side with more rows. The first split of a large table
    // takes them from a block sample (any bounds are correct; the sample only keeps the ranges about even).
    const order = keyExpressions(key).join(', ');
    const sample = range.lo === undefined && range.hi === undefined && estimatedRows > 200_000 ? Math.min(100, (100 * parts * 50) / estimatedRows) : undefined;
    const { rows } = await by.pool.query<{ b: string[] }>(
      `SELECT ARRAY[${keyNames.map((n) => `${quoteIdent(n)}::text`).join(', ')}] AS b FROM (
         SELECT ${keyNames.map(quoteIdent).join(', ')}, row_number() OVER (ORDER BY ${order}) AS rn, count(*) OVER () AS total
         FROM ${by.qualified}${sample ? ` TABLESAMPLE SYSTEM (${sample.toFixed(6)})` : ''} WHERE ${pred.sql}
       ) s WHERE rn > 1 AND (rn - 1) % greatest(1, total / ${parts}) = 0 ORDER BY rn`,
      pred.params,
    );
    return fromBounds(rows.map((r) => r.b), range);
  }

  private async fetchAndDiff(range: KeyRange): Promise<void> {
    const [s, t] = await Promise.all([this.fetch(this.source, this.key.names, range), this.fetch(this.target, this.targetKeyNames, range)]);
    const order = keyOrder(this.key);
    const byKey = (a: FetchedRow, b: FetchedRow) => {
      for (let i = 0; i < a.key.length; i++) {
        const c = order(a.key[i]!, b.key[i]!, i);
        if (c !== 0) return c;
      }
      return 0;
    };
    s.sort(byKey);
    t.sort(byKey);
    const diffs = diffRows(s, t, { keyNames: this.key.names, columns: this.source.columns.map((c) => c.name), floatTolerance: this.tolerance, order });
    for (const d of diffs) {
      this.counts[d.kind]++;
      if (this.differences.length < (this.options.maxExamples ?? 100)) this.differences.push(d);
    }
  }

  private async fetch(side: Side, keyNames: string[], range: KeyRange): Promise<FetchedRow[]> {
    const pred = rangePredicate({ ...this.key, names: keyNames }, range);
    const values = side.columns.map((c) => `(${normalizedColumn(c, 0)})::text`);
    const floats = side.columns
      .map((c, i) =>
        c.baseType === 'float4' || c.baseType === 'float8'
          ? `${quoteIdent(c.name)}::float8 AS f${i}`
          : isFloatArray(c) && this.tolerance > 0
            ? `${quoteIdent(c.name)}::float8[] AS f${i}`
            : undefined,
      )
      .filter(Boolean);
    const recent = side.recentSql ? `coalesce(${side.recentSql}, false)` : 'false';
    const { rows } = await side.pool.query(
      `SELECT ARRAY[${keyNames.map((n) => `${quoteIdent(n)}::text`).join(', ')}] AS k, ARRAY[${values.join(', ')}]::text[] AS v,
              ${recent} AS recent${floats.length ? `, ${floats.join(', ')}` : ''}
       FROM ${side.qualified} WHERE ${pred.sql}`,
      pred.params,
    );
    this.rowsFetched += rows.length;
    return rows.map((r) => {
      const fetched: FetchedRow = { key: r.k, values: r.v, recent: r.recent };
      if (floats.length) {
        fetched.floats = {};
        side.columns.forEach((c, i) => {
          if (!(`f${i}` in r)) return;
          const v = r[`f${i}`];
          fetched.floats![i] = floatValue(v);
        });
      }
      return fetched;
    });
  }
}

/** Orders key values the way they compare by meaning: integers as numbers, everything else as text. */
function keyOrder(key: KeyColumns) {
  return (a: string, b: string, i: number): number => {
    const type = key.types[i]!;
    if (type === 'smallint' || type === 'integer' || type === 'bigint') {
      const x = BigInt(a);
      const y = BigInt(b);
      return x < y ? -1 : x > y ? 1 : 0;
    }
    if (type.startsWith('numeric') || type === 'real' || type === 'double precision') return Number(a) - Number(b);
    return a < b ? -1 : a > b ? 1 : 0;
  };
}

/**
 * Tables without a primary key: whole rows compared as a multiset. Each side first returns count + sum of row
 * hashes (one scan); when they differ, each side returns its multiset of row hashes (hash, count), and only the
 * rows behind hashes whose counts differ are fetched, as normalized text, to show them.
 */
async function compareFullRows(name: string, source: Side, target: Side, tolerance: number, warnings: string[], maxExamples = 100): Promise<TableParity> {
  warnings.push(`${name} has no primary key: compared whole rows as a multiset (changed rows show as one missing and one extra)`);
  const hash = (side: Side) => side.hash;
  const recent = (side: Side) => (side.recentSql ? `NOT coalesce(${side.recentSql}, false)` : 'true');
  const totals = await Promise.all(
    [source, target].map((side) =>
      side.pool.query<{ n: string; h: string | null }>(`SELECT count(*) AS n, sum(${hash(side)})::text AS h FROM ${side.qualified} WHERE ${recent(side)}`),
    ),
  );
  const [sourceRows, targetRows] = totals.map((t) => Number(t.rows[0]!.n)) as [number, number];
  const result: TableParity = {
    table: name, sourceRows, targetRows, equal: true, missing: 0, extra: 0, changed: 0, differences: [],
    stats: { checksumQueries: 2, rowsFetched: 0, mode: 'full-row' }, warnings,
  };
  if (sourceRows === targetRows && totals[0]!.rows[0]!.h === totals[1]!.rows[0]!.h) return result;
  const multisets = await Promise.all(
    [source, target].map((side) =>
      side.pool.query<{ h: string; n: string }>(`SELECT ${hash(side)}::text AS h, count(*) AS n FROM ${side.qualified} WHERE ${recent(side)} GROUP BY 1`),
    ),
  );
  result.stats.checksumQueries += 2;
  const counts = new Map<string, number>();
  for (const r of multisets[0]!.rows) counts.set(r.h, (counts.get(r.h) ?? 0) + Number(r.n));
  for (const r of multisets[1]!.rows) counts.set(r.h, (counts.get(r.h) ?? 0) - Number(r.n));
  const differing = [...counts].filter(([, n]) => n !== 0);
  for (const [, n] of differing) {
    if (n > 0) result.missing += n;
    else result.extra -= n;
  }
  const shown = differing.slice(0, maxExamples);
  const texts = await Promise.all(
    [source, target].map((side) =>
      side.pool.query<{ h: string; r: string }>(
        `SELECT DISTINCT ON (1) ${hash(side)}::text AS h, ${normalizedRow(side.columns, 0)} AS r FROM ${side.qualified} WHERE ${hash(side)} = ANY($1::bigint[])`,
        [shown.map(([h]) => h)],
      ),
    ),
  );
  const textOf = new Map<string, string>();
  for (const t of texts) for (const r of t.rows) textOf.set(r.h, r.r);
  result.stats.rowsFetched = texts[0]!.rows.length + texts[1]!.rows.length;
  result.differences = shown
    .map(([h, n]): RowDifference => ({ kind: n > 0 ? 'missing' : 'extra', key: { row: textOf.get(h) ?? `hash ${h}` } }))
    .sort((a, b) => (a.kind === b.kind ? a.key.row!.localeCompare(b.key.row!) : a.kind === 'missing' ? -1 : 1));
  result.equal = result.missing + result.extra === 0;
  return result;
}

/** A fetched float or float array (the driver gives arrays, nested for more dimensions) as numbers. */
function floatValue(v: unknown): FloatValue {
  return v === null || v === undefined ? null : Array.isArray(v) ? v.map(floatValue) : Number(v);
}
