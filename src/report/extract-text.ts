/** Text output of `strangler context add` and `strangler extract`. */
import path from 'node:path';
import type { ContextAddResult } from '../commands/context.ts';
import type { ExtractResult, ReadinessRow } from '../commands/extract.ts';
import { renderFilePlan } from './file-plan-text.ts';
import { table } from './format.ts';

export function renderContextAdd(r: ContextAddResult): string {
  const rel = (p: string) => path.relative(process.cwd(), p) || p;
  const lines = [`${r.written ? 'updated' : 'would update'} ${rel(r.configFile)} from ${rel(r.from)}:`];
  for (const o of r.outcomes) lines.push(`  ${o.action.padEnd(6)} ${o.name}  (${o.reason})`);
  if (!r.outcomes.some((o) => o.action === 'add' || o.action === 'update')) lines[0] = `${rel(r.configFile)}: nothing to change (from ${rel(r.from)})`;
  return `${lines.join('\n')}\n`;
}

export function renderExtract(r: ExtractResult): string {
  const lines = [
    renderFilePlan(r.plan, r.written).trimEnd(),
    `${r.domain}: ${r.tables.length} table(s), ${r.movedRoutes} route(s) moved, ${r.notMoved.length} not moved, ${r.seams.length} seam(s) (see SEAMS.md)`,
    ...r.notMoved.map((n) => `not moved: ${n.what} (${n.where}): ${n.why}`),
    ...r.warnings.map((w) => `warning: ${w}`),
    r.configUpdated ? `strangler.yaml: contexts.${r.domain} is now extracted (service.path, databaseEnv, url)` : '',
    r.written ? `next: cd ${path.relative(process.cwd(), r.root) || '.'} && npm install && npm run migrate && npm test; then strangler sync start ${r.domain}` : '',
  ];
  return `${lines.filter(Boolean).join('\n')}\n`;
}

export function renderExtractList(rows: ReadinessRow[]): string {
  if (rows.length === 0) return 'no contexts in strangler.yaml: adopt them with `strangler context add`\n';
  return table(
    ['context', 'phase', 'tables', 'routes', 'seams left', 'readiness'],
    rows.map((r) => [r.context, r.phase, r.tables, r.routes, r.seamsLeft ?? '-', r.why]),
  );
}
