import { describe, expect, it } from 'vitest';
import { nameCandidates, nameContexts, stem, words } from '../../../src/analyzers/analysis/name-contexts.ts';

describe('context names from evidence', () => {
  it('splits file names and identifiers into meaningful words', () => {
    expect(words('src/controllers/cart-controller.ts'.replace(/^.*\//, ''))).toEqual(['cart']);
    expect(words('OrderItemsRepository.ts')).toEqual(['order']);
    expect(words('payment-gateway.ts')).toEqual(['payment', 'gateway']);
    expect(stem('reporting')).toBe(stem('reports'));
  });

  it('prefers the word that recurs across routes, modules, tags and table stems', () => {
    expect(nameCandidates({ tables: ['stock_levels', 'stock_movements', 'warehouses'], modules: ['src/models/stock.ts', 'src/controllers/warehouse-controller.ts'], routes: ['GET /stock/low', 'GET /warehouses'] })[0]).toBe('stock');
    // /admin is generic: /admin/reports/... votes for "report", with reporting.ts.
    expect(nameCandidates({ tables: ['daily_sales'], modules: ['src/services/reporting.ts'], routes: ['GET /admin/reports/sales', 'POST /admin/reports/rollup'] })[0]).toBe('report');
    expect(nameCandidates({ tables: ['categories', 'brands'], modules: [], routes: [], tags: { catalog: 10 } })[0]).toBe('catalog');
    expect(nameCandidates({ tables: ['categories'], modules: [], routes: [] })[0]).toBe('category');
  });

  it('keeps names unique: the second context takes its next candidate, else a number', () => {
    const a = { tables: ['orders', 'order_items'], modules: [], routes: [] };
    const b = { tables: ['orders_archive', 'shipments'], modules: [], routes: [] };
    expect(nameContexts([a, b])).toEqual(['order', 'shipment']);
    expect(nameContexts([a, { tables: ['order_notes'], modules: [], routes: [] }])).toEqual(['order', 'order-2']);
    expect(nameContexts([{ tables: [], modules: [], routes: [] }])).toEqual(['context-1']);
  });
});
