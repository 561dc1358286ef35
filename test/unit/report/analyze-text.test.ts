import { expect, it } from 'vitest';
import { renderAnalyzeText } from '../../../src/report/analyze-text.ts';
import { tinyResult } from './tiny-analysis.ts';

it('lists tables used by most of the monolith apart from tables written by several contexts', () => {
  const r = tinyResult();
  r.shared.push({ table: 'settings', usedBy: ['orders', 'catalog'], reason: 'used by most of the monolith', suggestedOwner: 'catalog' });
  const lines = renderAnalyzeText(r, false).split('\n');
  expect(lines).toContain('shared: settings (used by most of the monolith; owner: catalog)');
  expect(lines).toContain('written by several contexts: orders (orders, catalog; owner: orders)');
});
