/** Markdown summary for pull-request comments. */
import type { VerifyParityResult } from '../commands/verify-parity.ts';
import { rowDifferenceText } from './parity-text.ts';

const cell = (s: string | number) => String(s).replace(/\|/g, '\\|');

export function renderParityMarkdown(r: VerifyParityResult): string {
  const out: string[] = [`### ${r.pass ? '✅' : '❌'} Parity of \`${r.domain}\`: ${r.pass ? 'monolith and service agree' : r.failures.join('; ')}`, ''];
  if (r.data) {
    out.push('| table | monolith rows | service rows | missing | extra | changed |', '|---|---:|---:|---:|---:|---:|');
    for (const t of r.data.tables) out.push(`| ${cell(t.table)} | ${t.sourceRows} | ${t.targetRows} | ${t.missing} | ${t.extra} | ${t.changed} |`);
    const diffs = r.data.tables.flatMap((t) => t.differences.slice(0, 5).map((d) => `- \`${t.table}\` ${rowDifferenceText(d)}`));
    if (diffs.length) out.push('', '<details><summary>Data differences</summary>', '', ...diffs, '', '</details>');
    out.push('');
  }
  if (r.api) {
    out.push('| endpoint | requests | differing | noise |', '|---|---:|---:|---|');
    for (const e of r.api.endpoints) out.push(`| \`${cell(e.endpoint)}\` | ${e.requests} | ${e.differing} | ${cell(e.noise.join(', ') || '-')} |`);
    const diffs = r.api.endpoints.flatMap((e) => e.examples.slice(0, 2).flatMap((x) => x.fields.slice(0, 3).map((f) => `- \`${x.method} ${x.path}\` \`${f.path}\`: ${JSON.stringify(f.monolith)} → ${JSON.stringify(f.service)}`)));
    if (diffs.length) out.push('', '<details><summary>API differences</summary>', '', ...diffs, '', '</details>');
  }
  return `${out.join('\n').trimEnd()}\n`;
}
