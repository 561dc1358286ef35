/**
 * Turns a proposal into what the architect reads: named contexts with the evidence for each table, the seams
 * between contexts, shared tables with a suggested owner, metrics, and an extraction order (easiest first).
 */
import { databaseEntropy, structuralModularity } from '../metrics/structural-metrics.ts';
import type { EvidenceKind } from '../../config/schema.ts';
import type { Proposal } from '../cluster/propose-partition.ts';
import { edgeWeight, type CouplingGraph, type Evidence, type GraphEdge } from '../graph/coupling-graph.ts';
import type { Partition, TrafficSummary } from '../types.ts';
import { nameContexts } from './name-contexts.ts';

export interface ContextProposal {
  name: string;
  tables: string[];
  modules: string[];
  routes: string[];
  evidence: string[];
}

export interface Seam {
  kind: EvidenceKind;
  from: { context: string; node: string };
  to: { context: string; node: string };
  count: number;
  where?: string;
}

export interface SharedTable {
  table: string;
  /** Contexts whose code or routes write it (or, for hubs, that use it). */
  usedBy: string[];
  reason: 'written by several contexts' | 'used by most of the monolith';
  suggestedOwner: string;
}

export interface AnalysisMetrics {
  contexts: number;
  /** Newman modularity of the partition on the weighted graph (hubs left out). */
  modularity: number;
  /** Statement executions whose tables span several contexts. */
  crossContextJoins: number;
  /** Transactions (aggregated shapes, weighted by count) spanning several contexts. */
  crossContextTransactions: number;
  /** Share of code-to-table accesses and calls that cross contexts (ICP-like). */
  interContextShare: number;
  /** Average number of interface nodes (targets of cross-context edges) per context (IFN). */
  interfaceNumber: number;
  /** Share of contexts of non-extreme size, 2..30 tables+modules (NED). */
  nonExtremeDistribution: number;
  /** Structural modularity (cohesion inside contexts minus coupling between them, unweighted; higher is better). */
  structuralModularity: number;
  /** Mean normalized entropy of the contexts each table is accessed from (0: every table used by one context). */
  databaseEntropy: number;
}

export interface OrderEntry {
  context: string;
  rank: number;
  score: number;
  reasons: string[];
}

export interface AnalysisResult {
  contexts: ContextProposal[];
  shared: SharedTable[];
  seams: Seam[];
  metrics: AnalysisMetrics;
  order: OrderEntry[];
}

const describe: Record<EvidenceKind, (e: Evidence, other: string) => string> = {
  join: (e, o) => {
    const n = Math.round(e.count).toLocaleString('en-US');
    if (!e.flowsTo) return `in the same statements as ${o} (${n} executions)`;
    return e.flowsTo === `table:${o}` ? `read to write ${o} (${n} executions)` : `written from rows of ${o} (${n} executions)`;
  },
  transaction: (e, o) => `${e.writes ? 'written' : 'used'} in the same transactions as ${o} (${Math.round(e.count).toLocaleString('en-US')})`,
  request: (e, o) => `${e.writes ? 'written' : 'read'} by route ${o} (${Math.round(e.count).toLocaleString('en-US')} requests)`,
  foreignKey: (e, o) => `foreign key with ${o} (${e.where})`,
  codeAccess: (e, o) => `${e.writes ? 'written' : 'read'} by ${o} (${e.where})`,
  handlerAccess: (e, o) => `${e.writes ? 'written' : 'read'} by the handler of ${o} (${e.where})`,
  import: (_e, o) => `imports/imported by ${o}`,
  call: (e, o) => `calls/called by ${o} (${e.where})`,
  coChange: (e, o) => `changed together with ${o} in ${e.count} commits`,
};

const nameOf = (id: string) => id.slice(id.indexOf(':') + 1);

export function assembleAnalysis(g: CouplingGraph, proposal: Proposal, weights: Record<EvidenceKind, number>, traffic?: TrafficSummary): AnalysisResult {
  const community = proposal.community;
  const members = new Map<number, string[]>();
  for (const [id, c] of community) (members.get(c) ?? members.set(c, []).get(c)!).push(id);
  const weightOf = (e: GraphEdge) => edgeWeight(e, weights);
  const edgesOf = new Map<string, GraphEdge[]>();
  for (const e of g.edges.values()) {
    (edgesOf.get(e.a) ?? edgesOf.set(e.a, []).get(e.a)!).push(e);
    (edgesOf.get(e.b) ?? edgesOf.set(e.b, []).get(e.b)!).push(e);
  }
  // Names: the words that recur in each context's routes, modules, sqlcommenter tags and table stems (hubs left out).
  const numbered = [...members.keys()].sort((a, b) => a - b);
  const inContext = (c: number) => (id: string) => community.get(id) === c && !proposal.hubs.has(id);
  const chosen = nameContexts(
    numbered.map((c) => {
      const ids = members.get(c)!.filter(inContext(c));
      const tables = ids.filter((i) => i.startsWith('table:')).map(nameOf);
      const tags: Record<string, number> = {};
      for (const shape of traffic?.shapes ?? []) {
        const own = shape.access.tables.filter((t) => !proposal.hubs.has(`table:${t}`));
        if (own.length === 0 || !own.every((t) => community.get(`table:${t}`) === c)) continue;
        for (const [tag, n] of Object.entries(shape.modules)) tags[tag] = (tags[tag] ?? 0) + n;
      }
      return { tables, modules: ids.filter((i) => i.startsWith('module:')).map(nameOf), routes: ids.filter((i) => i.startsWith('route:')).map(nameOf), tags };
    }),
  );
  const names = new Map<number, string>(numbered.map((c, i) => [c, chosen[i]!]));
  const ctxOf = (id: string) => names.get(community.get(id)!) ?? 'unassigned';

  const contexts: ContextProposal[] = [...members.keys()].sort((a, b) => a - b).map((c) => {
    const ids = members.get(c)!.sort();
    const evidence: string[] = [];
    for (const id of ids.filter((i) => i.startsWith('table:'))) {
      const inside = (edgesOf.get(id) ?? [])
        .filter((e) => community.get(e.a === id ? e.b : e.a) === c)
        .sort((a, b) => weightOf(b) - weightOf(a) || (a.a + a.b).localeCompare(b.a + b.b))
        .slice(0, 2);
      const reasons = inside.map((e) => {
        const other = nameOf(e.a === id ? e.b : e.a);
        const strongest = [...e.evidence].sort((x, y) => weights[y.kind] * Math.log2(1 + y.count) - weights[x.kind] * Math.log2(1 + x.count))[0]!;
        return describe[strongest.kind](strongest, other);
      });
      evidence.push(`${nameOf(id)}: ${reasons.length ? reasons.join('; ') : 'no evidence tying it to another item (placed alone)'}${proposal.hubs.has(id) ? ' [shared: used by most of the monolith]' : ''}`);
    }
    return {
      name: names.get(c)!,
      tables: ids.filter((i) => i.startsWith('table:')).map(nameOf),
      modules: ids.filter((i) => i.startsWith('module:')).map(nameOf),
      routes: ids.filter((i) => i.startsWith('route:')).map(nameOf),
      evidence,
    };
  });

  // Seams: every edge whose ends are in different contexts, per evidence.
  const seams: Seam[] = [];
  for (const e of [...g.edges.values()].sort((x, y) => (x.a + x.b).localeCompare(y.a + y.b))) {
    const [ca, cb] = [ctxOf(e.a), ctxOf(e.b)];
    if (ca === cb) continue;
    for (const ev of e.evidence) {
      // Orient: code/route -> table; otherwise as stored.
      const flip = e.b.startsWith('module:') || e.b.startsWith('route:');
      const [from, to] = flip ? [e.b, e.a] : [e.a, e.b];
      seams.push({ kind: ev.kind, from: { context: ctxOf(from), node: nameOf(from) }, to: { context: ctxOf(to), node: nameOf(to) }, count: Math.round(ev.count * 100) / 100, ...(ev.where ? { where: ev.where } : {}) });
    }
  }

  // Shared tables: hubs, and tables written from several contexts.
  const shared: SharedTable[] = [];
  // Read-only data that the routes or code of most contexts use directly (a settings table) is shared too.
  const withCode = new Set([...g.nodes.keys()].filter((i) => i.startsWith('module:') || i.startsWith('route:')).map(ctxOf)).size;
  const mostContexts = Math.max(3, Math.ceil(withCode / 3));
  for (const id of [...g.nodes.keys()].filter((i) => i.startsWith('table:')).sort()) {
    const writers = new Set<string>();
    const users = new Set<string>();
    const accessors: string[] = [];
    for (const e of edgesOf.get(id) ?? []) {
      const other = e.a === id ? e.b : e.a;
      if (!other.startsWith('module:') && !other.startsWith('route:')) continue;
      users.add(ctxOf(other));
      if (other.startsWith('module:')) accessors.push(other);
      if (e.evidence.some((ev) => ev.writes)) writers.add(ctxOf(other));
    }
    // Only reached through helpers that most of the code uses (a lib/db.ts-like hub): shared too.
    const throughSharedHelpers = accessors.length > 0 && accessors.every((m) => proposal.hubs.has(m));
    if (proposal.hubs.has(id) || throughSharedHelpers || (users.size >= mostContexts && writers.size === 0)) shared.push({ table: nameOf(id), usedBy: [...users].sort(), reason: 'used by most of the monolith', suggestedOwner: ctxOf(id) });
    else if (writers.size > 1) shared.push({ table: nameOf(id), usedBy: [...writers].sort(), reason: 'written by several contexts', suggestedOwner: ctxOf(id) });
  }

  const metrics = computeMetrics(g, proposal, weights, ctxOf, contexts, traffic);

  // Extraction order: fewest inbound seams, shared writes and cross-context transactions first.
  const order = contexts
    .filter((c) => c.tables.length > 0)
    .map((c) => {
      const inbound = seams.filter((s) => s.to.context === c.name && s.kind !== 'import').reduce((n, s) => n + s.count, 0);
      const sharedWrites = shared.filter((s) => s.usedBy.includes(c.name) && s.reason === 'written by several contexts').length;
      const tx = (traffic?.transactions ?? [])
        .filter((t) => t.tables.some((x) => c.tables.includes(x)) && new Set(t.tables.map((x) => ctxOf(`table:${x}`))).size > 1)
        .reduce((n, t) => n + t.count, 0);
      const score = Math.round((Math.log2(1 + inbound) + 2 * sharedWrites + Math.log2(1 + tx)) * 100) / 100;
      return {
        context: c.name,
        score,
        reasons: [`${Math.round(inbound).toLocaleString('en-US')} inbound uses from other contexts`, `${sharedWrites} shared table(s) it writes`, `${tx.toLocaleString('en-US')} transactions that span other contexts`],
      };
    })
    .sort((a, b) => a.score - b.score || a.context.localeCompare(b.context))
    .map((o, i) => ({ ...o, rank: i + 1 }));

  return { contexts, shared, seams, metrics, order };
}

function computeMetrics(
  g: CouplingGraph,
  proposal: Proposal,
  weights: Record<EvidenceKind, number>,
  ctxOf: (id: string) => string,
  contexts: ContextProposal[],
  traffic?: TrafficSummary,
): AnalysisMetrics {
  // Modularity Q = sum_c [ L_c / m - (d_c / 2m)^2 ], weighted, hubs left out.
  let m = 0;
  const inside = new Map<string, number>();
  const degree = new Map<string, number>();
  for (const e of g.edges.values()) {
    if (proposal.hubs.has(e.a) || proposal.hubs.has(e.b)) continue;
    const w = edgeWeight(e, weights);
    m += w;
    const [ca, cb] = [ctxOf(e.a), ctxOf(e.b)];
    degree.set(ca, (degree.get(ca) ?? 0) + w);
    degree.set(cb, (degree.get(cb) ?? 0) + w);
    if (ca === cb) inside.set(ca, (inside.get(ca) ?? 0) + w);
  }
  let modularity = 0;
  if (m > 0) for (const [c, d] of degree) modularity += (inside.get(c) ?? 0) / m - (d / (2 * m)) ** 2;
  const crossJoins = (traffic?.shapes ?? []).filter((s) => new Set(s.access.tables.filter((t) => g.nodes.has(`table:${t}`)).map((t) => ctxOf(`table:${t}`))).size > 1).reduce((n, s) => n + s.count, 0);
  const crossTx = (traffic?.transactions ?? []).filter((t) => new Set(t.tables.filter((x) => g.nodes.has(`table:${x}`)).map((x) => ctxOf(`table:${x}`))).size > 1).reduce((n, t) => n + t.count, 0);
  let codeTotal = 0;
  let codeCross = 0;
  const interfaces = new Set<string>();
  for (const e of g.edges.values()) {
    const codeEdge = e.evidence.some((ev) => ev.kind === 'codeAccess' || ev.kind === 'call');
    const cross = ctxOf(e.a) !== ctxOf(e.b);
    if (codeEdge) {
      const n = e.evidence.filter((ev) => ev.kind === 'codeAccess' || ev.kind === 'call').reduce((s, ev) => s + ev.count, 0);
      codeTotal += n;
      if (cross) codeCross += n;
    }
    if (cross) {
      interfaces.add(e.b.startsWith('table:') ? e.b : e.a);
    }
  }
  const assignment = new Map([...g.nodes.keys()].filter((id) => !proposal.hubs.has(id) && !id.startsWith('route:')).map((id) => [id, ctxOf(id)]));
  const structuralEdges = [...g.edges.values()].filter((e) => assignment.has(e.a) && assignment.has(e.b));
  const tableAccesses = [...g.edges.values()].flatMap((e) => {
    const [table, user] = e.a.startsWith('table:') ? [e.a, e.b] : [e.b, e.a];
    if (!table.startsWith('table:') || user.startsWith('table:')) return [];
    return [{ table, context: ctxOf(user), weight: edgeWeight(e, weights) }];
  });
  const sized = contexts.filter((c) => c.tables.length + c.modules.length >= 2 && c.tables.length + c.modules.length <= 30).length;
  const round = (x: number) => Math.round(x * 1000) / 1000;
  return {
    contexts: contexts.length,
    modularity: round(modularity),
    crossContextJoins: Math.round(crossJoins),
    crossContextTransactions: Math.round(crossTx),
    interContextShare: round(codeTotal ? codeCross / codeTotal : 0),
    interfaceNumber: round(contexts.length ? interfaces.size / contexts.length : 0),
    nonExtremeDistribution: round(contexts.length ? sized / contexts.length : 0),
    structuralModularity: round(structuralModularity(assignment, structuralEdges)),
    databaseEntropy: round(databaseEntropy(tableAccesses, contexts.length)),
  };
}

export function toPartition(result: AnalysisResult): Partition {
  const contexts: Partition['contexts'] = {};
  for (const c of result.contexts) contexts[c.name] = { tables: c.tables, modules: c.modules, routes: c.routes };
  return { contexts, shared: result.shared.map((s) => s.table) };
}
