/** The demo's pure pieces: the context rename in analysis.yaml, the starting strangler.yaml, the registry's order, the printer. */
import { mkdtemp, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../src/config/load-config.ts';
import { demoConfigText } from '../../../src/demo/demo-config.ts';
import type { DemoEvent } from '../../../src/demo/demo-events.ts';
import { closestContext, renameContext } from '../../../src/demo/rename-context.ts';
import { ResourceRegistry } from '../../../src/demo/resource-registry.ts';
import { demoEventPrinter, renderDemoSummary } from '../../../src/report/demo-text.ts';
import { foldDemoEvent, emptyDemoView } from '../../../src/ui/demo-progress-model.ts';

describe('closestContext / renameContext', () => {
  const proposed = { product: { tables: ['brands', 'categories', 'products'] }, order: { tables: ['orders', 'products_log'] }, setting: { tables: ['settings'] } };

  it('picks the proposed context holding most of the tables, and none when no table is shared', () => {
    expect(closestContext(proposed, ['categories', 'brands', 'products', 'product_images'])).toBe('product');
    expect(closestContext(proposed, ['orders'])).toBe('order');
    expect(closestContext(proposed, ['payments'])).toBeUndefined();
  });

  it('renames the key with its comments and leaves a context already called so alone', () => {
    const text = '# proposed by analyze\ncontexts:\n  product:\n    # evidence here\n    tables: [brands, products]\n  order:\n    tables: [orders]\n';
    const renamed = renameContext(text, 'product', 'catalog');
    expect(renamed).toContain('# evidence here');
    expect(Object.keys(parse(renamed).contexts)).toEqual(['catalog', 'order']);
    expect(renameContext(renamed, 'order', 'catalog')).toBe(renamed);
    expect(renameContext(text, 'product', 'product')).toBe(text);
  });
});

describe('demoConfigText', () => {
  const input = { sampleRoot: '/pkg/fixtures/sample-monolith', monolithDatabase: 'postgres://postgres:x@127.0.0.1:5499/shop', monolithUrl: 'http://127.0.0.1:3999', proxyListen: '127.0.0.1:8999', proxyAdmin: '127.0.0.1:8998' };

  it('is a valid strangler.yaml naming the sample, its database, its logs and the proxy addresses', () => {
    const c = parseConfig(demoConfigText(input), 'strangler.yaml').config;
    expect(c.monolith).toMatchObject({ source: input.sampleRoot, database: input.monolithDatabase, url: input.monolithUrl, logs: ['/pkg/fixtures/sample-monolith/logs/comments-on/postgresql.csv.gz'] });
    expect(c.proxy).toMatchObject({ listen: '127.0.0.1:8999', admin: '127.0.0.1:8998' });
    expect(c.kafka).toBeUndefined();
    expect(c.contexts).toEqual({});
  });

  it('names the brokers when there is a broker', () => {
    expect(parseConfig(demoConfigText({ ...input, kafkaBrokers: ['127.0.0.1:9092'] }), 'strangler.yaml').config.kafka?.brokers).toEqual(['127.0.0.1:9092']);
  });
});

describe('ResourceRegistry', () => {
  it('releases in reverse order, carries on past a failure, records each outcome, and releases only once', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'demo-registry-'));
    const file = path.join(dir, 'demo-resources.json');
    const registry = new ResourceRegistry(file, 1000);
    const order: string[] = [];
    registry.add({ kind: 'server', what: 'database', ports: [5499] }, async () => void order.push('database'));
    registry.add({ kind: 'process', what: 'monolith', pid: 1 }, async () => {
      order.push('monolith');
      throw new Error('would not stop');
    });
    registry.add({ kind: 'process', what: 'hangs', pid: 2 }, () => new Promise(() => {}));
    registry.add({ kind: 'sync', what: 'sync' }, async () => void order.push('sync'));
    const records = await registry.releaseAll();
    expect(order).toEqual(['sync', 'monolith', 'database']);
    expect(records).toEqual([
      { what: 'sync', ok: true },
      { what: 'hangs', ok: false, error: 'not released within 1 s' },
      { what: 'monolith', ok: false, error: 'would not stop' },
      { what: 'database', ok: true },
    ]);
    expect(await registry.releaseAll()).toEqual([]);
    const written = JSON.parse(await readFile(file, 'utf8'));
    expect(written.started.map((r: { what: string; released: boolean }) => [r.what, r.released])).toEqual([['database', true], ['monolith', false], ['hangs', false], ['sync', true]]);
    expect(written.started[0].ports).toEqual([5499]);
  });
});

describe('the demo progress: plain lines and the ink model', () => {
  const events: DemoEvent[] = [
    { type: 'start', dir: '/tmp/d', steps: [{ id: 'sync', title: 'strangler sync start' }, { id: 'verify-parity', title: 'strangler verify-parity' }] },
    { type: 'step', id: 'sync', title: 'strangler sync start', why: 'Backfills, then streams.', index: 1, total: 2 },
    { type: 'step-done', id: 'sync', summary: '10 rows backfilled', ms: 1500 },
    { type: 'step', id: 'verify-parity', title: 'strangler verify-parity', why: 'Compares.', index: 2, total: 2 },
    { type: 'progress', id: 'sync', text: 'streaming: 3 changes applied' },
    { type: 'step-failed', id: 'verify-parity', message: 'parity failed' },
    { type: 'cleanup-start', count: 1 },
    { type: 'cleanup', what: 'sync catalog', ok: true },
  ];
  const summary = { outcome: 'failed' as const, dir: '/tmp/d', stoppedAt: 'verify-parity', error: 'parity failed', notDone: [], artifacts: ['strangler.yaml'], kept: [], cleanup: [{ what: 'sync catalog', ok: true }] };

  it('prints a line per step with its sentence, not the figures of a step that is over, and the closing lines', () => {
    let out = '';
    const print = demoEventPrinter((s) => (out += s));
    for (const e of [...events, { type: 'finished', result: summary } as DemoEvent]) print(e);
    expect(out).toContain('[1/2] strangler sync start\n      Backfills, then streams.\n      done: 10 rows backfilled (1.5 s)\n');
    expect(out).toContain('[2/2] strangler verify-parity\n      Compares.\n      failed: parity failed\n');
    expect(out).not.toContain('streaming: 3 changes applied');
    expect(out).toContain('      released: sync catalog\n');
    expect(out.trimEnd().split('\n').slice(-3)).toEqual(['demo failed at verify-parity: parity failed', 'everything it started was stopped and removed (1 resource)', 'artifacts in /tmp/d: strangler.yaml']);
  });

  it('names what the flow did not do on the last line, and a resource it could not release', () => {
    const text = renderDemoSummary({ ...summary, outcome: 'done', notDone: ['the traffic steps need strangler proxy'], cleanup: [{ what: 'broker', ok: false, error: 'stuck' }] });
    expect(text.trimEnd().split('\n').at(-1)).toBe('not run: the traffic steps need strangler proxy');
    expect(text).toContain('1 resource(s) could not be released: broker');
  });

  it('folds the events into step states for the ink view', () => {
    const view = events.reduce(foldDemoEvent, emptyDemoView);
    expect(view.steps.map((s) => [s.id, s.status, s.summary])).toEqual([
      ['sync', 'done', '10 rows backfilled'],
      ['verify-parity', 'failed', 'parity failed'],
    ]);
    expect(view.cleanup).toEqual({ total: 1, done: 1, failed: [] });
  });
});
