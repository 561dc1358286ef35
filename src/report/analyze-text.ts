/** Plain-text summary of `strangler analyze` (also what a non-TTY sees). */
import type { AnalyzeResult } from '../analyzers/analysis/analyze-result.ts';
import { painter, table } from './format.ts';
import { f1Text } from './format-score.ts';

export function renderAnalyzeText(r: AnalyzeResult, color: boolean): string {
  const c = painter(color);
  const out: string[] = [];
  const logs = r.inputs.logs.map((l) => `${l.statements.toLocaleString('en-US')} statements (${l.format})`).join(', ');
  out.push(`${c.bold('Proposed bounded contexts')} from ${r.inputs.source}: ${logs || 'no logs'}; ${r.inputs.modules} modules; ${r.inputs.tables} tables`);
  out.push(
    table(
      ['order', 'context', 'tables', 'modules', 'routes'],
      r.contexts.filter((x) => x.tables.length > 0).map((x) => [r.order.find((o) => o.context === x.name)?.rank ?? '-', x.name, x.tables.join(', '), x.modules.length, x.routes.length]).sort((a, b) => Number(a[0]) - Number(b[0])),
    ).trimEnd(),
  );
  // Tables most of the monolith uses, apart from tables that a few contexts write (seams to cut when extracting).
  const usedByMost = r.shared.filter((s) => s.reason !== 'written by several contexts');
  const multiWriter = r.shared.filter((s) => s.reason === 'written by several contexts');
  if (usedByMost.length) out.push(`shared: ${usedByMost.map((s) => `${s.table} (${s.reason}; owner: ${s.suggestedOwner})`).join('; ')}`);
  if (multiWriter.length) out.push(`written by several contexts: ${multiWriter.map((s) => `${s.table} (${s.usedBy.join(', ')}; owner: ${s.suggestedOwner})`).join('; ')}`);
  const m = r.metrics;
  out.push(`metrics: modularity ${m.modularity}, cross-context joins ${m.crossContextJoins.toLocaleString('en-US')}, cross-context transactions ${m.crossContextTransactions.toLocaleString('en-US')}, inter-context share ${m.interContextShare}, structural modularity ${m.structuralModularity}, database entropy ${m.databaseEntropy}, seams ${r.seams.length}`);
  if (r.comparison) {
    const k = r.comparison;
    out.push(`vs ${k.reference}: pairwise F1 tables ${k.tables.f1.toFixed(3)} (P ${k.tables.precision.toFixed(2)}, R ${k.tables.recall.toFixed(2)}), modules ${f1Text(k.modules)}, routes ${f1Text(k.routes)}; MoJoFM ${k.mojoFm.toFixed(1)}`);
  }
  for (const w of r.warnings) out.push(c.yellow(`warning: ${w}`));
  if (r.written.length) out.push(`wrote ${r.written.join(', ')}`);
  return `${out.join('\n')}\n`;
}
