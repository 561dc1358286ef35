import { describe, expect, it } from 'vitest';
import { compilePathPattern, diffJson, matchesAny, templatePath } from '../../../src/parity/json-diff.ts';
import { endpointOf, expandRoute, parseHar, parseJsonl } from '../../../src/parity/api-corpus.ts';
import { parseFailOn } from '../../../src/commands/verify-parity.ts';
import { diffRows } from '../../../src/parity/row-diff.ts';
import { UsageError } from '../../../src/errors.ts';

describe('diffJson', () => {
  it('compares objects, arrays, types and values structurally', () => {
    const a = { id: 1, name: 'lamp', tags: ['a', 'b'], price: { amount: 10, cur: 'EUR' }, gone: true };
    const b = { id: 1, name: 'Lamp', tags: ['a'], price: { amount: '10', cur: 'EUR' }, added: null };
    expect(diffJson(a, b)).toEqual([
      { path: '$.added', kind: 'extra', service: null },
      { path: '$.gone', kind: 'missing', monolith: true },
      { path: '$.name', kind: 'value', monolith: 'lamp', service: 'Lamp' },
      { path: '$.price.amount', kind: 'type', monolith: 10, service: '10' },
      { path: '$.tags[1]', kind: 'missing', monolith: 'b' },
    ]);
    expect(diffJson({ x: [1, { y: 2 }] }, { x: [1, { y: 2 }] })).toEqual([]);
    expect(diffJson({ 'odd key': 1 }, { 'odd key': 2 })[0]!.path).toBe('$["odd key"]');
  });

  it('treats numbers within the tolerance as equal; key order never matters', () => {
    expect(diffJson({ a: 1.0001, b: 2 }, { b: 2, a: 1.0002 }, 0.001)).toEqual([]);
    expect(diffJson({ a: 1.0 }, { a: 1.1 }, 0.001)).toHaveLength(1);
  });

  it('path templates and ignore patterns', () => {
    expect(templatePath('$.items[3].lines[0].price')).toBe('$.items[*].lines[*].price');
    const patterns = ['$.meta', '$.items[*].etag', '$..requestId', '$.headers.*'].map(compilePathPattern);
    expect(matchesAny('$.meta.generatedAt', patterns)).toBe(true);
    expect(matchesAny('$.metadata', patterns)).toBe(false);
    expect(matchesAny('$.items[12].etag', patterns)).toBe(true);
    expect(matchesAny('$.items[12].name', patterns)).toBe(false);
    expect(matchesAny('$.a.b[2].requestId', patterns)).toBe(true);
    expect(matchesAny('$.requestId', patterns)).toBe(true);
    expect(matchesAny('$.headers.x', patterns)).toBe(true);
  });
});

describe('request corpora', () => {
  it('reads JSONL (path or url), and names file:line on bad lines', () => {
    const ok = parseJsonl('{"method":"get","path":"/products/5"}\n\n{"method":"GET","url":"http://x/orders/7?a=1","headers":{"x-a":"1"}}\n', 'c.jsonl');
    expect(ok).toEqual([
      { method: 'GET', path: '/products/5', headers: undefined, body: undefined, endpoint: 'GET /products/:id' },
      { method: 'GET', path: '/orders/7?a=1', headers: { 'x-a': '1' }, body: undefined, endpoint: 'GET /orders/:id' },
    ]);
    const bad = (text: string) => {
      try {
        parseJsonl(text, 'c.jsonl');
      } catch (e) {
        expect(e).toBeInstanceOf(UsageError);
        return (e as UsageError).message;
      }
      throw new Error('expected an error');
    };
    expect(bad('{"method":"GET","path":"/a"}\n{oops\n')).toMatch(/^c\.jsonl:2: not valid JSON/);
    expect(bad('{"method":"GET"}\n')).toBe('c.jsonl:1: expected an object with "method" and a "path" starting with /');
  });

  it('reads HAR entries, dropping hop-by-hop headers', () => {
    const har = JSON.stringify({ log: { entries: [{ request: { method: 'GET', url: 'http://shop.test/products/1?x=2', headers: [{ name: 'Host', value: 'shop.test' }, { name: 'Accept', value: 'application/json' }] } }] } });
    expect(parseHar(har, 'a.har')).toEqual([{ method: 'GET', path: '/products/1?x=2', headers: { Accept: 'application/json' }, body: undefined, endpoint: 'GET /products/:id' }]);
    expect(() => parseHar('{"log":{}}', 'a.har')).toThrow('a.har: not a HAR file (no log.entries)');
  });

  it('expands routes with sample values and explains what it cannot fill', () => {
    const samples = (p: string) => (p === 'id' ? ['1', '2', '3'] : []);
    expect(expandRoute('GET /products/:id', samples, 2)).toEqual([
      { method: 'GET', path: '/products/1', endpoint: 'GET /products/:id' },
      { method: 'GET', path: '/products/2', endpoint: 'GET /products/:id' },
    ]);
    expect(expandRoute('GET /brands', samples, 2)).toEqual([{ method: 'GET', path: '/brands', endpoint: 'GET /brands' }]);
    expect(expandRoute('GET /carts/:userId', samples, 2)).toBe('no sample values for :userId in GET /carts/:userId');
    expect(endpointOf('get', '/payments/0b6c2a7e-2f0e-4c43-9a55-1f6f7f0d1a2b/refunds')).toBe('GET /payments/:id/refunds');
  });
});

describe('--fail-on', () => {
  const defaults = { data: 0, api: 0, noisyEndpointsPercent: 100 };
  it('reads counts and percentages', () => {
    expect(parseFailOn('data=5, api=1,noisy-endpoints=0.1%', defaults)).toEqual({ data: 5, api: 1, noisyEndpointsPercent: 0.1 });
    expect(parseFailOn('', defaults)).toEqual(defaults);
  });
  it('rejects what it cannot read', () => {
    expect(() => parseFailOn('rows=1', defaults)).toThrow(UsageError);
    expect(() => parseFailOn('data=1%', defaults)).toThrow('--fail-on: data takes a count, not a percentage');
  });
});

describe('diffRows', () => {
  const order = (a: string, b: string) => Number(a) - Number(b);
  const row = (k: number, v: string, recent = false) => ({ key: [String(k)], values: [v], recent });
  it('merges key-sorted rows into missing, extra and changed', () => {
    const out = diffRows([row(1, 'a'), row(2, 'b'), row(4, 'd')], [row(2, 'B'), row(3, 'c'), row(4, 'd')], { keyNames: ['id'], columns: ['v'], floatTolerance: 0, order });
    expect(out).toEqual([
      { kind: 'missing', key: { id: '1' } },
      { kind: 'changed', key: { id: '2' }, columns: [{ column: 'v', source: 'b', target: 'B' }] },
      { kind: 'extra', key: { id: '3' } },
    ]);
  });
  it('leaves out recent rows on either side and truncates long values', () => {
    const long = 'x'.repeat(500);
    const out = diffRows([row(1, 'a', true), row(2, long)], [row(1, 'z'), row(2, 'y')], { keyNames: ['id'], columns: ['v'], floatTolerance: 0, order });
    expect(out).toHaveLength(1);
    expect(out[0]!.columns![0]!.source).toMatch(/^x{100}… \(500 chars\)$/);
  });
});
