/** Human summary of verify-parity: per table and per endpoint, with examples. */
import type { VerifyParityResult } from '../commands/verify-parity.ts';
import type { RowDifference } from '../parity/row-diff.ts';
import { painter, table } from './format.ts';

export function keyText(key: Record<string, string>): string {
  return Object.entries(key).map(([k, v]) => `${k}=${v}`).join(', ');
}

export function rowDifferenceText(d: RowDifference): string {
  if (d.kind === 'missing') return `missing in service: ${keyText(d.key)}`;
  if (d.kind === 'extra') return `extra in service:   ${keyText(d.key)}`;
  return `changed: ${keyText(d.key)}: ${(d.columns ?? []).map((c) => `${c.column} ${JSON.stringify(c.source)} -> ${JSON.stringify(c.target)}`).join('; ')}`;
}

export function renderParityText(r: VerifyParityResult, color: boolean): string {
  const c = painter(color);
  const lines: string[] = [];
  if (r.waitSync?.waited) {
    lines.push(c.dim(`waited ${r.waitSync.seconds.toFixed(1)} s for the sync to reach ${r.waitSync.goal} (${r.waitSync.via} at ${r.waitSync.reached})`));
  }
  if (r.data) {
    lines.push(c.bold(`Data parity: ${r.domain}`));
    lines.push(
      table(
        ['table', 'monolith rows', 'service rows', 'missing', 'extra', 'changed', 'result'],
        r.data.tables.map((t) => [t.table, t.sourceRows, t.targetRows, t.missing, t.extra, t.changed, t.equal ? 'equal' : 'DIFFERENT']),
      ).trimEnd(),
    );
    const n = r.data.totals;
    lines.push(`total: ${n.missing} missing, ${n.extra} extra, ${n.changed} changed; ${n.tablesWithDifferences} of ${n.tables} table(s) differ`);
    for (const t of r.data.tables.filter((x) => !x.equal)) {
      lines.push(`  ${t.table}:`);
      for (const d of t.differences.slice(0, 10)) lines.push(`    ${rowDifferenceText(d)}`);
      const shown = Math.min(10, t.differences.length);
      const total = t.missing + t.extra + t.changed;
      if (total > shown) lines.push(`    … and ${total - shown} more`);
    }
  }
  if (r.api) {
    lines.push(c.bold(`API parity: ${r.domain} (${r.api.requests} requests, each sent to the monolith twice to learn noise)`));
    lines.push(
      table(
        ['endpoint', 'requests', 'differing', 'noise'],
        r.api.endpoints.map((e) => [e.endpoint, e.requests, e.differing, e.noise.length ? e.noise.join(' ') : '-']),
      ).trimEnd(),
    );
    for (const e of r.api.endpoints.filter((x) => x.differing > 0)) {
      for (const ex of e.examples.slice(0, 3)) {
        lines.push(`  ${ex.method} ${ex.path}:`);
        if (ex.status) lines.push(`    status ${ex.status.monolith} -> ${ex.status.service}`);
        for (const h of ex.headers ?? []) lines.push(`    header ${h.name}: ${JSON.stringify(h.monolith)} -> ${JSON.stringify(h.service)}`);
        for (const f of ex.fields.slice(0, 5)) lines.push(`    ${f.path} (${f.kind}): ${JSON.stringify(f.monolith)} -> ${JSON.stringify(f.service)}`);
      }
    }
  }
  for (const w of r.warnings) lines.push(c.yellow(`warning: ${w}`));
  lines.push(r.pass ? c.green('PASS: monolith and service agree') : c.red(`FAIL: ${r.failures.join('; ')}`));
  if (r.storedAt) lines.push(`result stored in ${r.storedAt} (read by route shift and status)`);
  return `${lines.join('\n')}\n`;
}
