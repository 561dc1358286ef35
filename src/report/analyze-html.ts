/**
 * report.html: one self-contained page (inline CSS, inline script, inline SVG; a Content-Security-Policy that
 * forbids any fetch) with the graph of proposed contexts and their seams, and per context its tables, modules,
 * routes, evidence and seams. The graph is laid out here, at render time, so the page works without script;
 * the script only adds selection, highlighting and the evidence-kind filter.
 */
import type { AnalyzeResult } from '../analyzers/analysis/analyze-result.ts';
import type { Seam } from '../analyzers/analysis/assemble-analysis.ts';
import { layoutGraph } from './analyze-graph-layout.ts';
import { f1Text } from './format-score.ts';

const esc = (s: string | number) => String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
const num = (n: number) => (Number.isInteger(n) ? n.toLocaleString('en-US') : String(Math.round(n * 1000) / 1000));
const PALETTE = ['#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#86bcb6', '#d37295', '#a0cbe8'];
const KIND_LABEL: Record<string, string> = {
  join: 'same statement (JOIN)',
  transaction: 'same transaction',
  request: 'route uses table',
  foreignKey: 'foreign key',
  codeAccess: 'code reads/writes table',
  handlerAccess: 'route handler reads/writes table',
  import: 'import',
  call: 'call',
  coChange: 'changed together (git)',
};
const METRIC_HELP: Record<string, string> = {
  contexts: 'number of proposed contexts',
  modularity: 'Newman modularity of the partition on the weighted coupling graph (higher: cleaner cut)',
  crossContextJoins: 'statement executions whose tables span several contexts',
  crossContextTransactions: 'transactions spanning several contexts',
  interContextShare: 'share of code-to-table accesses and calls that cross contexts',
  interfaceNumber: 'average number of interface nodes per context',
  nonExtremeDistribution: 'share of contexts of non-extreme size',
  structuralModularity: 'cohesion inside contexts minus coupling between them, on unweighted edges (higher: cleaner cut)',
  databaseEntropy: 'how spread each table\'s accesses are over contexts (0: every table used by one context)',
};

interface PairEdge {
  a: number;
  b: number;
  kinds: Record<string, number>;
}

/** Seams between different contexts, aggregated per unordered pair of contexts and per evidence kind. */
export function contextLinks(r: AnalyzeResult): PairEdge[] {
  const index = new Map(r.contexts.map((c, i) => [c.name, i]));
  const pairs = new Map<string, PairEdge>();
  for (const s of r.seams) {
    const x = index.get(s.from.context);
    const y = index.get(s.to.context);
    if (x === undefined || y === undefined || x === y) continue;
    const [a, b] = x < y ? [x, y] : [y, x];
    const key = `${a}|${b}`;
    const edge = pairs.get(key) ?? pairs.set(key, { a, b, kinds: {} }).get(key)!;
    edge.kinds[s.kind] = (edge.kinds[s.kind] ?? 0) + s.count;
  }
  return [...pairs.values()].sort((p, q) => p.a - q.a || p.b - q.b);
}

const strength = (kinds: Record<string, number>) => Object.values(kinds).reduce((s, c) => s + Math.log2(1 + c), 0);

function list(items: string[], empty = 'none'): string {
  if (items.length === 0) return `<p class="muted">${empty}</p>`;
  return `<ul class="items">${items.map((i) => `<li><code>${esc(i)}</code></li>`).join('')}</ul>`;
}

function seamRows(seams: Seam[], limit: number): string {
  const shown = [...seams].sort((a, b) => b.count - a.count).slice(0, limit);
  const rows = shown.map((s) => `<tr><td>${esc(KIND_LABEL[s.kind] ?? s.kind)}</td><td><code>${esc(s.from.node)}</code> <span class="muted">(${esc(s.from.context)})</span></td><td><code>${esc(s.to.node)}</code> <span class="muted">(${esc(s.to.context)})</span></td><td class="n">${num(s.count)}</td><td>${s.where ? `<code>${esc(s.where)}</code>` : ''}</td></tr>`);
  const more = seams.length > limit ? `<p class="muted">${seams.length - limit} more seams in analysis.json</p>` : '';
  return `<table><thead><tr><th>evidence</th><th>from</th><th>to</th><th class="n">count</th><th>where</th></tr></thead><tbody>${rows.join('')}</tbody></table>${more}`;
}

function contextDetails(r: AnalyzeResult, i: number): string {
  const c = r.contexts[i]!;
  const order = r.order.find((o) => o.context === c.name);
  const shared = new Map(r.shared.map((s) => [s.table, s]));
  const seams = r.seams.filter((s) => s.from.context !== s.to.context && (s.from.context === c.name || s.to.context === c.name));
  const neighbours = new Map<string, Record<string, number>>();
  for (const s of seams) {
    const other = s.from.context === c.name ? s.to.context : s.from.context;
    const k = neighbours.get(other) ?? neighbours.set(other, {}).get(other)!;
    k[s.kind] = (k[s.kind] ?? 0) + s.count;
  }
  const byStrength = [...neighbours].sort((a, b) => strength(b[1]) - strength(a[1]));
  const tables = c.tables.map((t) => {
    const s = shared.get(t);
    return `<li><code>${esc(t)}</code>${s ? ` <span class="tag" title="${esc(`${s.reason}; used by ${s.usedBy.join(', ')}`)}">shared</span>` : ''}</li>`;
  });
  return `<section class="context-details" data-i="${i}" id="context-${i}"${i === 0 ? '' : ' hidden'}>
<h3><span class="swatch" style="background:${PALETTE[i % PALETTE.length]}"></span>${esc(c.name)}${order ? ` <span class="muted">#${order.rank} to extract (score ${num(order.score)})</span>` : ''}</h3>
${order ? `<p>${order.reasons.map(esc).join('; ')}</p>` : ''}
<div class="cols">
<div><h4>Tables (${c.tables.length})</h4>${c.tables.length ? `<ul class="items">${tables.join('')}</ul>` : '<p class="muted">none</p>'}</div>
<div><h4>Modules (${c.modules.length})</h4>${list(c.modules)}</div>
<div><h4>Routes (${c.routes.length})</h4>${list(c.routes)}</div>
</div>
<h4>Evidence</h4>
${c.evidence.length ? `<ul class="evidence">${c.evidence.map((e) => `<li>${esc(e)}</li>`).join('')}</ul>` : '<p class="muted">none</p>'}
<h4>Coupled contexts</h4>
${byStrength.length ? `<table><thead><tr><th>context</th><th>seams by evidence</th></tr></thead><tbody>${byStrength.map(([other, kinds]) => `<tr><td>${esc(other)}</td><td>${Object.entries(kinds).map(([k, n]) => `${esc(KIND_LABEL[k] ?? k)} ${num(n)}`).join(', ')}</td></tr>`).join('')}</tbody></table>` : '<p class="muted">none: nothing crosses this context\'s border</p>'}
<h4>Seams to cut (${seams.length})</h4>
${seams.length ? seamRows(seams, 100) : '<p class="muted">none</p>'}
</section>`;
}

function graph(r: AnalyzeResult, links: PairEdge[]): string {
  const width = 760;
  const height = 520;
  const pos = layoutGraph(r.contexts.length, links.map((l) => ({ a: l.a, b: l.b, weight: strength(l.kinds) })), { width, height, margin: 70 });
  const edges = links.map((l, e) => {
    const p = pos[l.a]!;
    const q = pos[l.b]!;
    const title = `${r.contexts[l.a]!.name} – ${r.contexts[l.b]!.name}: ${Object.entries(l.kinds).map(([k, n]) => `${KIND_LABEL[k] ?? k} ${num(n)}`).join(', ')}`;
    return `<line class="edge" data-e="${e}" data-a="${l.a}" data-b="${l.b}" x1="${p.x}" y1="${p.y}" x2="${q.x}" y2="${q.y}" stroke-width="${Math.min(12, 0.8 + strength(l.kinds) * 0.6).toFixed(1)}"><title>${esc(title)}</title></line>`;
  });
  const nodes = r.contexts.map((c, i) => {
    const p = pos[i]!;
    const radius = Math.round(12 + 4 * Math.sqrt(c.tables.length + c.modules.length / 2));
    const rank = r.order.find((o) => o.context === c.name)?.rank;
    return `<g class="node${c.tables.length === 0 ? ' empty' : ''}" data-i="${i}" tabindex="0" role="button" aria-label="${esc(`context ${c.name}`)}" transform="translate(${p.x} ${p.y})"><circle r="${radius}" fill="${PALETTE[i % PALETTE.length]}"></circle>${rank ? `<text class="rank" dy="0.35em">${rank}</text>` : ''}<text class="label" dy="${radius + 14}">${esc(c.name)}</text><title>${esc(`${c.name}: ${c.tables.length} tables, ${c.modules.length} modules, ${c.routes.length} routes`)}</title></g>`;
  });
  return `<svg id="graph" viewBox="0 0 ${width} ${height}" role="img" aria-label="contexts and the seams between them">${edges.join('')}${nodes.join('')}</svg>`;
}

const STYLE = `
:root{color-scheme:light dark;--fg:#1d2433;--muted:#6b7385;--bg:#fff;--panel:#f5f7fa;--line:#d9dee7;--accent:#2f6fd6}
@media (prefers-color-scheme:dark){:root{--fg:#e4e8f0;--muted:#9aa3b5;--bg:#14171d;--panel:#1c2028;--line:#2e3440;--accent:#7aa7ff}}
*{box-sizing:border-box}body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:var(--bg)}
header,main,footer{padding:0 24px}header{padding-top:16px}h1{font-size:22px;margin:0 0 4px}h2{font-size:18px;margin:28px 0 8px}h3{font-size:17px;margin:0 0 6px}h4{margin:14px 0 4px;font-size:14px}
.muted{color:var(--muted)}code{font:12.5px ui-monospace,SFMono-Regular,Menlo,monospace}
.top{display:grid;grid-template-columns:minmax(420px,1.2fr) minmax(360px,1fr);gap:20px;align-items:start}
@media (max-width:1000px){.top{grid-template-columns:1fr}}
.panel{background:var(--panel);border:1px solid var(--line);border-radius:8px;padding:12px}.top>.panel:first-child{position:sticky;top:8px}@media (max-width:1000px){.top>.panel:first-child{position:static}}
#graph{width:100%;height:auto;display:block}
.edge{stroke:var(--muted);stroke-opacity:.55;stroke-linecap:round}.edge.hi{stroke:var(--accent);stroke-opacity:.9}.edge.dim{stroke-opacity:.1}
.node{cursor:pointer}.node circle{stroke:var(--bg);stroke-width:2}.node.empty circle{fill-opacity:.35;stroke-dasharray:3 2;stroke:var(--muted)}
.node.selected circle{stroke:var(--fg);stroke-width:3}.node.dim{opacity:.3}.node:focus{outline:none}.node:focus circle{stroke:var(--accent);stroke-width:3}
.node text{text-anchor:middle;fill:var(--fg);font-size:12px;pointer-events:none}.node .rank{fill:#fff;font-weight:600;font-size:11px}
.kinds{display:flex;flex-wrap:wrap;gap:4px 14px;margin-top:8px;font-size:12.5px}
table{border-collapse:collapse;width:100%;margin:4px 0}th,td{border-bottom:1px solid var(--line);padding:4px 8px;text-align:left;vertical-align:top}th{font-weight:600}td.n,th.n{text-align:right}
tr[data-select]{cursor:pointer}tr[data-select]:hover,tr.selected{background:color-mix(in srgb,var(--accent) 14%,transparent)}
.cols{display:grid;grid-template-columns:repeat(3,minmax(0,1fr));gap:12px}.items{margin:0;padding-left:18px}.evidence{margin:0;padding-left:18px}.evidence li{margin:2px 0}
.swatch{display:inline-block;width:12px;height:12px;border-radius:50%;margin-right:8px;vertical-align:baseline}
.tag{font-size:11px;border:1px solid var(--line);border-radius:4px;padding:0 4px;color:var(--muted)}
.warn{color:#b26a00}footer{margin:30px 0 20px;color:var(--muted);font-size:12px}
`;

/** The page's only script: selection, neighbour highlighting and the evidence-kind filter. */
const SCRIPT = `
(function () {
  var data = JSON.parse(document.getElementById('report-data').textContent);
  var nodes = Array.prototype.slice.call(document.querySelectorAll('.node'));
  var edges = Array.prototype.slice.call(document.querySelectorAll('.edge'));
  var details = Array.prototype.slice.call(document.querySelectorAll('.context-details'));
  var rows = Array.prototype.slice.call(document.querySelectorAll('[data-select]'));
  var kinds = {};
  data.kinds.forEach(function (k) { kinds[k] = true; });
  var selected = null;
  function strength(e) {
    var s = 0, ks = data.edges[e].kinds;
    for (var k in ks) if (kinds[k]) s += Math.log2(1 + ks[k]);
    return s;
  }
  function redraw() {
    edges.forEach(function (el) {
      var s = strength(+el.getAttribute('data-e'));
      el.style.display = s > 0 ? '' : 'none';
      el.setAttribute('stroke-width', Math.min(12, 0.8 + s * 0.6).toFixed(1));
      var touches = selected !== null && (el.getAttribute('data-a') === String(selected) || el.getAttribute('data-b') === String(selected));
      el.classList.toggle('hi', touches);
      el.classList.toggle('dim', selected !== null && !touches);
    });
    var near = {};
    if (selected !== null) {
      near[selected] = true;
      data.edges.forEach(function (e, i) {
        if (strength(i) <= 0) return;
        if (e.a === selected) near[e.b] = true;
        if (e.b === selected) near[e.a] = true;
      });
    }
    nodes.forEach(function (n) {
      var i = +n.getAttribute('data-i');
      n.classList.toggle('selected', i === selected);
      n.classList.toggle('dim', selected !== null && !near[i]);
    });
  }
  function select(i) {
    selected = i;
    details.forEach(function (d) { d.hidden = +d.getAttribute('data-i') !== i; });
    rows.forEach(function (r) { r.classList.toggle('selected', +r.getAttribute('data-select') === i); });
    redraw();
  }
  nodes.forEach(function (n) {
    var i = +n.getAttribute('data-i');
    n.addEventListener('click', function () { select(i); });
    n.addEventListener('keydown', function (ev) { if (ev.key === 'Enter' || ev.key === ' ') { ev.preventDefault(); select(i); } });
  });
  rows.forEach(function (r) {
    r.addEventListener('click', function () {
      select(+r.getAttribute('data-select'));
      document.getElementById('details').scrollIntoView({ block: 'nearest' });
    });
  });
  Array.prototype.slice.call(document.querySelectorAll('.kinds input')).forEach(function (box) {
    box.addEventListener('change', function () { kinds[box.value] = box.checked; redraw(); });
  });
  if (data.contexts.length) select(0);
})();
`;

export function renderAnalysisHtml(r: AnalyzeResult): string {
  const links = contextLinks(r);
  const kinds = [...new Set(r.seams.map((s) => s.kind))].sort();
  const data = { contexts: r.contexts.map((c) => c.name), kinds, edges: links };
  // JSON inside <script>: `<` escaped so no text can close the element.
  const json = JSON.stringify(data).replace(/</g, '\\u003c');
  const logs = r.inputs.logs.map((l) => `${num(l.statements)} statements (${l.format})`).join(', ') || 'no logs';
  const order = [...r.order].sort((a, b) => a.rank - b.rank);
  const index = new Map(r.contexts.map((c, i) => [c.name, i]));
  const orderRows = order.map((o) => {
    const c = r.contexts[index.get(o.context)!];
    return `<tr data-select="${index.get(o.context)}"><td class="n">${o.rank}</td><td>${esc(o.context)}</td><td class="n">${c?.tables.length ?? 0}</td><td class="n">${c?.modules.length ?? 0}</td><td class="n">${c?.routes.length ?? 0}</td><td class="n">${num(o.score)}</td><td>${o.reasons.map(esc).join('; ')}</td></tr>`;
  });
  const unordered = r.contexts.filter((c) => !r.order.some((o) => o.context === c.name));
  orderRows.push(...unordered.map((c) => `<tr data-select="${index.get(c.name)}"><td class="n">-</td><td>${esc(c.name)}</td><td class="n">${c.tables.length}</td><td class="n">${c.modules.length}</td><td class="n">${c.routes.length}</td><td></td><td class="muted">not ranked</td></tr>`));
  const k = r.comparison;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:">
<link rel="icon" href="data:,">
<title>strangler analyze: proposed bounded contexts</title>
<style>${STYLE}</style>
</head>
<body>
<header>
<h1>Proposed bounded contexts</h1>
<p class="muted">From ${esc(r.inputs.source)}: ${esc(logs)}; ${r.inputs.modules} code modules; ${r.inputs.tables} tables. ${r.contexts.length} contexts, ${r.seams.length} seams.</p>
${k ? `<p>Compared with <code>${esc(k.reference)}</code>: pairwise F1 tables ${k.tables.f1.toFixed(3)} (precision ${k.tables.precision.toFixed(2)}, recall ${k.tables.recall.toFixed(2)}), modules ${f1Text(k.modules)}, routes ${f1Text(k.routes)}; MoJoFM ${k.mojoFm.toFixed(1)}.</p>` : ''}
${r.warnings.map((w) => `<p class="warn">warning: ${esc(w)}</p>`).join('\n')}
</header>
<main>
<div class="top">
<div class="panel">
${graph(r, links)}
<div class="kinds" aria-label="evidence kinds shown in the graph">${kinds.map((kind) => `<label><input type="checkbox" value="${esc(kind)}" checked> ${esc(KIND_LABEL[kind] ?? kind)}</label>`).join('')}</div>
<p class="muted">Circle size: tables and modules; number: extraction order; line width: coupling across the seam. Click a context for its details.</p>
</div>
<div class="panel" id="details">
${r.contexts.map((_, i) => contextDetails(r, i)).join('\n')}
</div>
</div>
<h2>Extraction order</h2>
<table><thead><tr><th class="n">#</th><th>context</th><th class="n">tables</th><th class="n">modules</th><th class="n">routes</th><th class="n">score</th><th>why this position</th></tr></thead><tbody>${orderRows.join('')}</tbody></table>
<h2>Shared tables</h2>
${r.shared.length ? `<table><thead><tr><th>table</th><th>why</th><th>used by</th><th>suggested owner</th></tr></thead><tbody>${r.shared.map((s) => `<tr><td><code>${esc(s.table)}</code></td><td>${esc(s.reason)}</td><td>${s.usedBy.map(esc).join(', ')}</td><td>${esc(s.suggestedOwner)}</td></tr>`).join('')}</tbody></table>` : '<p class="muted">none</p>'}
<h2>Metrics</h2>
<table><thead><tr><th>metric</th><th class="n">value</th><th>meaning</th></tr></thead><tbody>${Object.entries(r.metrics).map(([name, v]) => `<tr><td>${esc(name)}</td><td class="n">${typeof v === 'number' ? num(v) : esc(JSON.stringify(v))}</td><td class="muted">${esc(METRIC_HELP[name] ?? '')}</td></tr>`).join('')}</tbody></table>
</main>
<footer>Written by strangler analyze. Edit analysis.yaml and score it with <code>strangler analyze --evaluate analysis.yaml</code>.</footer>
<script type="application/json" id="report-data">${json}</script>
<script>${SCRIPT}</script>
</body>
</html>
`;
}
