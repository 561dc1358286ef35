/** analysis.yaml (editable, the Partition format with evidence as comments) and report.md (with a Mermaid diagram). */
import { stringify } from 'yaml';
import type { AnalyzeResult } from '../analyzers/analysis/analyze-result.ts';
import { f1Text } from './format-score.ts';

export function renderAnalysisYaml(r: AnalyzeResult): string {
  const lines = [
    '# strangler analyze: proposed bounded contexts. Edit freely (move tables, modules, routes between contexts),',
    '# then score your version with: strangler analyze --evaluate analysis.yaml',
    'contexts:',
  ];
  for (const c of r.contexts) {
    lines.push(`  ${c.name}:`);
    for (const e of c.evidence) lines.push(`    # ${e.replace(/\n/g, ' ')}`);
    const body = stringify({ tables: c.tables, modules: c.modules, routes: c.routes }, { indent: 2, lineWidth: 0 });
    lines.push(...body.trimEnd().split('\n').map((l) => `    ${l}`));
  }
  lines.push('# Tables used or written by several contexts; each is listed above under its suggested owner.');
  lines.push(stringify({ shared: r.shared.map((s) => s.table) }, { lineWidth: 0 }).trimEnd());
  return `${lines.join('\n')}\n`;
}

const id = (name: string) => name.replace(/[^A-Za-z0-9_]/g, '_');

export function renderAnalysisMarkdown(r: AnalyzeResult): string {
  const out: string[] = ['# Proposed bounded contexts', ''];
  out.push(`Inputs: ${r.inputs.logs.map((l) => `${l.statements.toLocaleString('en-US')} statements (${l.format})`).join(', ') || 'no logs'}; ${r.inputs.modules} code modules; ${r.inputs.tables} tables.`, '');
  out.push('```mermaid', 'graph LR');
  for (const c of r.contexts.filter((x) => x.tables.length > 0)) out.push(`  ${id(c.name)}["${c.name} (${c.tables.length} tables)"]`);
  const links = new Map<string, number>();
  for (const s of r.seams) {
    if (s.from.context === s.to.context || s.kind === 'import') continue;
    const key = `${s.from.context}|${s.to.context}`;
    links.set(key, (links.get(key) ?? 0) + s.count);
  }
  for (const [key, n] of [...links].sort()) {
    const [a, b] = key.split('|');
    out.push(`  ${id(a!)} -->|${Math.round(n)}| ${id(b!)}`);
  }
  out.push('```', '');
  out.push('| order | context | tables | modules | routes | why this position |', '|---:|---|---:|---:|---:|---|');
  for (const o of r.order) {
    const c = r.contexts.find((x) => x.name === o.context)!;
    out.push(`| ${o.rank} | ${c.name} | ${c.tables.length} | ${c.modules.length} | ${c.routes.length} | ${o.reasons.join('; ')} |`);
  }
  out.push('', '## Contexts', '');
  for (const c of r.contexts) {
    out.push(`### ${c.name}`, '', `Tables: ${c.tables.map((t) => `\`${t}\``).join(', ') || '-'}`, '');
    if (c.modules.length) out.push(`Modules: ${c.modules.map((m) => `\`${m}\``).join(', ')}`, '');
    for (const e of c.evidence) out.push(`- ${e}`);
    out.push('');
  }
  if (r.shared.length) {
    out.push('## Shared tables', '', '| table | why | used by | suggested owner |', '|---|---|---|---|');
    for (const s of r.shared) out.push(`| \`${s.table}\` | ${s.reason} | ${s.usedBy.join(', ')} | ${s.suggestedOwner} |`);
    out.push('');
  }
  out.push('## Metrics', '', '| metric | value |', '|---|---:|');
  for (const [k, v] of Object.entries(r.metrics)) out.push(`| ${k} | ${v} |`);
  if (r.comparison) {
    out.push('', `Compared with \`${r.comparison.reference}\`: pairwise F1 tables ${r.comparison.tables.f1.toFixed(3)}, modules ${f1Text(r.comparison.modules)}, routes ${f1Text(r.comparison.routes)}; MoJoFM ${r.comparison.mojoFm.toFixed(1)}.`);
  }
  return `${out.join('\n')}\n`;
}
