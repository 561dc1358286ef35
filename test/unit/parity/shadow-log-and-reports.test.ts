import { describe, expect, it } from 'vitest';
import { parseJsonl } from '../../../src/parity/api-corpus.ts';
import { rowHash, supportsInfiniteIntervals } from '../../../src/parity/normalize-sql.ts';
import type { ColumnShape } from '../../../src/parity/table-shape.ts';
import { renderParityJunit } from '../../../src/report/parity-junit.ts';
import { renderParityMarkdown } from '../../../src/report/parity-markdown.ts';
import { renderParityText } from '../../../src/report/parity-text.ts';
import type { VerifyParityResult } from '../../../src/commands/verify-parity.ts';

describe('shadow log corpus (JSONL with a request object per line)', () => {
  it('reads the request of each mirrored exchange and skips comments', () => {
    const text = [
      '# shadow log',
      JSON.stringify({ ts: '2026-01-01T00:00:00Z', request: { method: 'GET', path: '/products/9', headers: { accept: 'application/json' } }, primary: { status: 200 }, shadow: { status: 200 } }),
      JSON.stringify({ request: { method: 'POST', path: '/carts/3/items', body: { sku: 'a' } } }),
    ].join('\n');
    expect(parseJsonl(text, 'shadow.jsonl')).toEqual([
      { method: 'GET', path: '/products/9', headers: { accept: 'application/json' }, body: undefined, endpoint: 'GET /products/:id' },
      { method: 'POST', path: '/carts/3/items', headers: undefined, body: '{"sku":"a"}', endpoint: 'POST /carts/:id/items' },
    ]);
  });

  it('a line that is JSON but not an object is a usage error with file:line, not a crash', () => {
    expect(() => parseJsonl('{"method":"GET","path":"/a"}\nnull\n', 's.jsonl')).toThrow('s.jsonl:2: expected an object with "method" and a "path" starting with /');
    expect(() => parseJsonl('[1]\n', 's.jsonl')).toThrow('s.jsonl:1: expected');
  });
});

describe('row hash SQL', () => {
  const col = (name: string, baseType: string, extra: Partial<ColumnShape> = {}): ColumnShape => ({ name, type: baseType, category: 'X', baseType, hashable: true, collation: null, ...extra });
  it('hashes each column with its type hash and a per-position seed, XOR-combined; others via hash_record_extended', () => {
    const cols = [col('id', 'int8'), col('at', 'timestamptz'), col('d', 'date'), col('m', 'mood', { category: 'E' })];
    expect(rowHash(cols, cols, 0)).toBe(
      '(coalesce(hashint8extended("id", 1), -1) # coalesce(timestamp_hash_extended(("at")::timestamp, 2), -2) # ' +
        'coalesce(hashtextextended("m"::text, 4), -4) # coalesce(hash_record_extended(ROW("d"), 0), 0))',
    );
  });
  it('casts both sides to a common type when the types differ, and rounds floats to the tolerance', () => {
    expect(rowHash([col('n', 'int4')], [col('n', 'int8')], 0)).toBe('(coalesce(hash_numeric_extended("n"::numeric, 1), -1))');
    expect(rowHash([col('r', 'float8')], [col('r', 'float8')], 0.001)).toBe('(coalesce(hash_numeric_extended(round("r"::numeric, 3), 1), -1))');
    expect(rowHash([col('j', 'json')], [col('j', 'jsonb')], 0)).toBe('(coalesce(jsonb_hash_extended("j"::jsonb, 1), -1))');
  });
  it('NOT NULL columns need no NULL substitute; timestamptz hashes as the interval since the epoch on PostgreSQL 17+', () => {
    const cols = [col('id', 'int8', { notNull: true }), col('at', 'timestamptz')];
    expect(rowHash(cols, cols, 0, { timestamptzAsInterval: true })).toBe(
      `(hashint8extended("id", 1) # coalesce(interval_hash_extended("at" - timestamptz '1970-01-01 00:00:00+00', 2), -2))`,
    );
    expect(supportsInfiniteIntervals([170004, 180001])).toBe(true);
    expect(supportsInfiniteIntervals([150020, 180001])).toBe(false);
  });
});

describe('parity reports', () => {
  const result: VerifyParityResult = {
    domain: 'catalog',
    thresholds: { data: 0, api: 0, noisyEndpointsPercent: 100 },
    pass: false,
    failures: ['1 data difference(s) in 1 table(s) (allowed: 0)'],
    warnings: [],
    data: {
      equal: false,
      totals: { missing: 0, extra: 0, changed: 1, tables: 2, tablesWithDifferences: 1 },
      tables: [
        { table: 'brands', sourceRows: 3, targetRows: 3, equal: true, missing: 0, extra: 0, changed: 0, differences: [], stats: { checksumQueries: 2, rowsFetched: 0, mode: 'key' }, warnings: [] },
        {
          table: 'products', sourceRows: 3, targetRows: 3, equal: false, missing: 0, extra: 0, changed: 1,
          differences: [{ kind: 'changed', key: { id: '2' }, columns: [{ column: 'name', source: 'Lamp <b>', target: 'tampered & co' }] }],
          stats: { checksumQueries: 4, rowsFetched: 6, mode: 'key' }, warnings: [],
        },
      ],
    },
  };
  it('JUnit: a testsuite per kind, a testcase per table, escaped failures with the differences', () => {
    const xml = renderParityJunit(result);
    expect(xml).toContain('<testsuite name="data parity: catalog" tests="2" failures="1">');
    expect(xml).toContain('<testcase classname="parity.data.catalog" name="catalog.brands"/>');
    expect(xml).toContain('<failure message="0 missing, 0 extra, 1 changed">changed: id=2: name &quot;Lamp &lt;b&gt;&quot; -&gt; &quot;tampered &amp; co&quot;</failure>');
    expect(xml).not.toContain('api parity');
  });
  it('text: a row per table, the totals, each difference with its key and values, the verdict', () => {
    const text = renderParityText(result, false);
    expect(text).toMatch(/^products\s+3\s+3\s+0\s+0\s+1\s+DIFFERENT$/m);
    expect(text).toContain('total: 0 missing, 0 extra, 1 changed; 1 of 2 table(s) differ\n');
    expect(text).toContain('    changed: id=2: name "Lamp <b>" -> "tampered & co"\n');
    expect(text.trimEnd().split('\n').at(-1)).toBe('FAIL: 1 data difference(s) in 1 table(s) (allowed: 0)');
  });
  it('Markdown: verdict, table and the differences', () => {
    const md = renderParityMarkdown(result);
    expect(md).toMatch(/^### ❌ Parity of `catalog`: 1 data difference/);
    expect(md).toContain('| products | 3 | 3 | 0 | 0 | 1 |');
    expect(md).toContain('- `products` changed: id=2: name "Lamp <b>" -> "tampered & co"');
  });
});
