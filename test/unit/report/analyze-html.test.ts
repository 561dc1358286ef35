import { describe, expect, it } from 'vitest';
import { contextLinks, renderAnalysisHtml } from '../../../src/report/analyze-html.ts';
import { layoutGraph } from '../../../src/report/analyze-graph-layout.ts';
import { tinyResult } from './tiny-analysis.ts';

describe('report.html', () => {
  it('aggregates seams per pair of different contexts and per evidence kind', () => {
    expect(contextLinks(tinyResult())).toEqual([{ a: 0, b: 1, kinds: { join: 120, call: 3 } }]);
  });

  it('is one self-contained page: inline script and style, no external URL, everything escaped', () => {
    const html = renderAnalysisHtml(tinyResult());
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).toContain("default-src 'none'");
    expect(html).not.toMatch(/\s(src|href)="(?!data:)/);
    expect(html).not.toContain('<script>alert(1)');
    expect(html).toContain('x&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('warning: a warning with &lt;b&gt;markup&lt;/b&gt;');
    // The embedded data cannot close its <script> element.
    const data = html.match(/<script type="application\/json" id="report-data">([\s\S]*?)<\/script>/)![1]!;
    expect(JSON.parse(data).contexts).toEqual(['orders', 'catalog', 'x<script>alert(1)</script>']);
    for (const name of ['orders', 'catalog', 'order_items', 'GET /products/:id', 'src/catalog.ts:9', 'modularity']) expect(html).toContain(name);
    expect(html.match(/class="context-details"/g)).toHaveLength(3);
    expect(html.match(/<line class="edge"/g)).toHaveLength(1);
  });

  it('lays contexts out deterministically inside the drawing area', () => {
    const links = [{ a: 0, b: 1, weight: 5 }, { a: 1, b: 2, weight: 1 }];
    const a = layoutGraph(5, links, { width: 400, height: 300, margin: 20 });
    expect(a).toEqual(layoutGraph(5, links, { width: 400, height: 300, margin: 20 }));
    for (const p of a) {
      expect(p.x).toBeGreaterThanOrEqual(20);
      expect(p.x).toBeLessThanOrEqual(380);
      expect(p.y).toBeGreaterThanOrEqual(20);
      expect(p.y).toBeLessThanOrEqual(280);
    }
    expect(new Set(a.map((p) => `${p.x},${p.y}`)).size).toBe(5);
    expect(layoutGraph(1, [])).toHaveLength(1);
  });
});
