/**
 * What the analyze explorer shows, as plain data (no ink, no React): the contexts in extraction order and,
 * for the selected context, the lines of each view. The ink component only lays these out and handles keys.
 */
import type { AnalyzeResult } from '../analyzers/analysis/analyze-result.ts';

export const VIEWS = ['overview', 'tables', 'modules', 'routes', 'evidence', 'seams'] as const;
export type View = (typeof VIEWS)[number];

export interface ExplorerContext {
  /** Index in result.contexts. */
  index: number;
  name: string;
  rank?: number;
}

const num = (n: number) => (Number.isInteger(n) ? n.toLocaleString('en-US') : String(Math.round(n * 100) / 100));

/** Contexts in extraction order (ranked first), then the unranked ones by name. */
export function explorerContexts(r: AnalyzeResult): ExplorerContext[] {
  const rank = new Map(r.order.map((o) => [o.context, o.rank]));
  return r.contexts
    .map((c, index) => ({ index, name: c.name, rank: rank.get(c.name) }))
    .sort((a, b) => (a.rank ?? Infinity) - (b.rank ?? Infinity) || a.name.localeCompare(b.name));
}

export function headerLine(r: AnalyzeResult): string {
  const parts = [`${r.contexts.length} contexts`, `${r.seams.length} seams`, `${r.shared.length} shared tables`, `modularity ${r.metrics.modularity}`];
  if (r.comparison) parts.push(`F1 tables ${r.comparison.tables.f1.toFixed(3)}`, `MoJoFM ${r.comparison.mojoFm.toFixed(1)}`);
  return parts.join(' · ');
}

/** The lines of one view of one context. */
export function viewLines(r: AnalyzeResult, index: number, view: View): string[] {
  const c = r.contexts[index];
  if (!c) return [];
  const shared = new Map(r.shared.map((s) => [s.table, s]));
  const seams = r.seams.filter((s) => s.from.context !== s.to.context && (s.from.context === c.name || s.to.context === c.name));
  const none = (xs: string[]) => (xs.length ? xs : ['(none)']);
  switch (view) {
    case 'overview': {
      const o = r.order.find((x) => x.context === c.name);
      const coupled = new Map<string, number>();
      for (const s of seams) {
        const other = s.from.context === c.name ? s.to.context : s.from.context;
        coupled.set(other, (coupled.get(other) ?? 0) + 1);
      }
      const lines = [
        o ? `extraction order: #${o.rank} (score ${num(o.score)})` : 'extraction order: not ranked',
        ...(o ? o.reasons.map((x) => `  ${x}`) : []),
        `${c.tables.length} tables, ${c.modules.length} modules, ${c.routes.length} routes, ${seams.length} seams`,
      ];
      const writes = c.tables.filter((t) => shared.has(t));
      if (writes.length) lines.push(`shared tables it owns: ${writes.join(', ')}`);
      const users = r.shared.filter((s) => s.usedBy.includes(c.name) && s.suggestedOwner !== c.name).map((s) => `${s.table} (owner ${s.suggestedOwner})`);
      if (users.length) lines.push(`shared tables of others it uses: ${users.join(', ')}`);
      if (coupled.size) {
        lines.push('coupled with (seams):');
        for (const [other, n] of [...coupled].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))) lines.push(`  ${other}: ${n}`);
      }
      return lines;
    }
    case 'tables':
      return none(c.tables.map((t) => {
        const s = shared.get(t);
        return s ? `${t}  [shared: ${s.reason}; used by ${s.usedBy.join(', ')}]` : t;
      }));
    case 'modules':
      return none(c.modules);
    case 'routes':
      return none(c.routes);
    case 'evidence':
      return none(c.evidence);
    case 'seams':
      return none(
        [...seams]
          .sort((a, b) => b.count - a.count || a.kind.localeCompare(b.kind))
          .map((s) => `${s.kind.padEnd(11)} ${s.from.node} (${s.from.context}) -> ${s.to.node} (${s.to.context})  ×${num(s.count)}${s.where ? `  ${s.where}` : ''}`),
      );
  }
}
