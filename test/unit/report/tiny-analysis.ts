/** A small hand-made analysis for reporter tests (three contexts, one of them with a hostile name). */
import type { AnalyzeResult } from '../../../src/analyzers/analysis/analyze-result.ts';

export function tinyResult(): AnalyzeResult {
  return {
    contexts: [
      { name: 'orders', tables: ['orders', 'order_items'], modules: ['src/orders.ts'], routes: ['POST /orders'], evidence: ['orders: written in the same transactions as order_items (5)'] },
      { name: 'catalog', tables: ['products'], modules: ['src/catalog.ts'], routes: ['GET /products/:id'], evidence: ['products: read by src/catalog.ts (src/catalog.ts:3)'] },
      { name: 'x<script>alert(1)</script>', tables: [], modules: ['src/util.ts'], routes: [], evidence: [] },
    ],
    shared: [{ table: 'orders', usedBy: ['orders', 'catalog'], reason: 'written by several contexts', suggestedOwner: 'orders' }],
    seams: [
      { kind: 'join', from: { context: 'orders', node: 'order_items' }, to: { context: 'catalog', node: 'products' }, count: 120 },
      { kind: 'call', from: { context: 'catalog', node: 'src/catalog.ts' }, to: { context: 'orders', node: 'src/orders.ts' }, count: 3, where: 'src/catalog.ts:9' },
      { kind: 'import', from: { context: 'orders', node: 'src/orders.ts' }, to: { context: 'orders', node: 'src/orders.ts' }, count: 1 },
    ],
    metrics: { contexts: 3, modularity: 0.41, crossContextJoins: 120, crossContextTransactions: 0, interContextShare: 0.25, interfaceNumber: 1, nonExtremeDistribution: 0.67, structuralModularity: 0.2, databaseEntropy: 0.1 },
    order: [
      { context: 'catalog', rank: 1, score: 2, reasons: ['few inbound uses'] },
      { context: 'orders', rank: 2, score: 5, reasons: ['writes a shared table'] },
    ],
    inputs: { source: 'flags', logs: [{ file: 'a.csv', format: 'csvlog', statements: 1234 }], modules: 3, tables: 3 },
    written: [],
    warnings: ['a warning with <b>markup</b>'],
  };
}
