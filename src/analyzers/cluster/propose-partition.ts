/**
 * Bounded contexts from the coupling graph: hubs (tables or modules that nearly everything touches, like a
 * settings table or a shared lib/) are set aside so they do not glue contexts together, the rest is partitioned
 * with Louvain (seeded, so results are reproducible), communities without tables are folded into the context
 * they talk to most, and hubs are then attached to their strongest context and reported as shared.
 */
import Graph from 'graphology';
import louvain from 'graphology-communities-louvain';
import type { EvidenceKind } from '../../config/schema.ts';
import { edgeWeight, type CouplingGraph } from '../graph/coupling-graph.ts';

export interface ProposeOptions {
  weights: Record<EvidenceKind, number>;
  resolution: number;
  seed: number;
  /** Aim at this many contexts (searches the resolution). */
  contexts?: number;
  /** node id -> context name, forced. */
  pins?: Record<string, string>;
  /** Share of routes/modules touching a node above which it is a hub. */
  hubShare?: number;
  /** Share of the tables referencing a table by foreign key above which it is master data. */
  masterShare?: number;
}

export interface Proposal {
  /** node id -> community number (0..n-1, numbered by size, then by first node). */
  community: Map<string, number>;
  count: number;
  /** Tables and modules nearly everything touches: attached last and reported as shared. */
  hubs: Set<string>;
  resolution: number;
  /** Master-data tables (referenced from much of the schema): attached last, not reported as shared. */
  masters?: Set<string>;
}

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Nodes touched by a large share of the routes or modules (by direct edges). */
export function findHubs(g: CouplingGraph, share: number): Set<string> {
  const neighbours = new Map<string, Set<string>>();
  for (const e of g.edges.values()) {
    (neighbours.get(e.a) ?? neighbours.set(e.a, new Set()).get(e.a)!).add(e.b);
    (neighbours.get(e.b) ?? neighbours.set(e.b, new Set()).get(e.b)!).add(e.a);
  }
  const ids = [...g.nodes.keys()];
  const routes = ids.filter((id) => g.nodes.get(id)!.kind === 'route').length;
  const modules = ids.filter((id) => g.nodes.get(id)!.kind === 'module').length;
  const hubs = new Set<string>();
  for (const id of ids) {
    const kind = g.nodes.get(id)!.kind;
    if (kind === 'route') continue;
    const n = [...(neighbours.get(id) ?? [])];
    const byRoutes = routes >= 8 ? n.filter((x) => x.startsWith('route:')).length / routes : 0;
    const byModules = modules >= 8 ? n.filter((x) => x.startsWith('module:')).length / modules : 0;
    if (byRoutes > share || byModules > share) hubs.add(id);
  }
  return hubs;
}

function run(g: CouplingGraph, hubs: Set<string>, options: ProposeOptions, resolution: number): Map<string, number> {
  const graph = new Graph({ type: 'undirected' });
  for (const id of [...g.nodes.keys()].sort()) if (!hubs.has(id)) graph.addNode(id);
  for (const key of [...g.edges.keys()].sort()) {
    const e = g.edges.get(key)!;
    if (hubs.has(e.a) || hubs.has(e.b)) continue;
    const weight = edgeWeight(e, options.weights);
    if (weight > 0) graph.addEdge(e.a, e.b, { weight });
  }
  const mapping = louvain(graph, { getEdgeWeight: 'weight', resolution, rng: mulberry32(options.seed) });
  return new Map(Object.entries(mapping));
}

/** Strength of each node's ties to each community. */
function ties(g: CouplingGraph, community: Map<string, number>, options: ProposeOptions, node: string): Map<number, number> {
  const out = new Map<number, number>();
  for (const e of g.edges.values()) {
    const other = e.a === node ? e.b : e.b === node ? e.a : undefined;
    if (!other) continue;
    const c = community.get(other);
    if (c === undefined) continue;
    out.set(c, (out.get(c) ?? 0) + edgeWeight(e, options.weights));
  }
  return out;
}

function strongest(m: Map<number, number>): number | undefined {
  let best: number | undefined;
  let bestWeight = -1;
  for (const [c, w] of [...m].sort((a, b) => a[0] - b[0])) {
    if (w > bestWeight) {
      best = c;
      bestWeight = w;
    }
  }
  return best;
}

/**
 * Master data: tables referenced by foreign keys from a large share of the schema (a products or users table).
 * Every context points at them, so they are placed after the others, with the context that uses them most.
 */
export function findMasterTables(g: CouplingGraph, share: number): Set<string> {
  const tables = [...g.nodes.keys()].filter((id) => g.nodes.get(id)!.kind === 'table');
  const referencedBy = new Map<string, Set<string>>();
  for (const e of g.edges.values()) {
    for (const ev of e.evidence) {
      if (ev.kind !== 'foreignKey' || !ev.to) continue;
      const from = ev.to === e.a ? e.b : e.a;
      (referencedBy.get(ev.to) ?? referencedBy.set(ev.to, new Set()).get(ev.to)!).add(from);
    }
  }
  const out = new Set<string>();
  if (tables.length < 8) return out;
  for (const [id, from] of referencedBy) if (from.size / tables.length >= share) out.add(id);
  return out;
}

/** Tables a table references by foreign key. */
function referencedTables(g: CouplingGraph, id: string): string[] {
  const out: string[] = [];
  for (const e of g.edges.values()) {
    if (e.a !== id && e.b !== id) continue;
    const other = e.a === id ? e.b : e.a;
    if (e.evidence.some((ev) => ev.kind === 'foreignKey' && ev.to === other)) out.push(other);
  }
  return out.sort();
}

export function proposePartition(g: CouplingGraph, options: ProposeOptions): Proposal {
  const shared = findHubs(g, options.hubShare ?? 0.35);
  const masters = [...findMasterTables(g, options.masterShare ?? 0.25)].filter((id) => !shared.has(id));
  const hubs = new Set([...shared, ...masters]);
  const tableCommunities = (m: Map<string, number>) => new Set([...m].filter(([id]) => id.startsWith('table:')).map(([, c]) => c)).size;
  let resolution = options.resolution;
  let community = run(g, hubs, options, resolution);
  if (options.contexts) {
    // Binary search on the resolution for the wanted number of contexts with tables.
    let lo = 0.05;
    let hi = 20;
    for (let i = 0; i < 24; i++) {
      const n = tableCommunities(community);
      if (n === options.contexts) break;
      if (n < options.contexts) lo = resolution;
      else hi = resolution;
      resolution = (lo + hi) / 2;
      community = run(g, hubs, options, resolution);
    }
  }
  // Communities without tables join the one they are tied to most.
  const withTables = new Set([...community].filter(([id]) => id.startsWith('table:')).map(([, c]) => c));
  for (let pass = 0; pass < 3; pass++) {
    for (const id of [...community.keys()].sort()) {
      if (withTables.has(community.get(id)!)) continue;
      const t = ties(g, new Map([...community].filter(([, c]) => withTables.has(c))), options, id);
      const best = strongest(t);
      if (best !== undefined) community.set(id, best);
    }
  }
  // Pins.
  const pinned = new Map<string, number>();
  for (const [node, name] of Object.entries(options.pins ?? {})) {
    const id = g.nodes.has(`table:${node}`) ? `table:${node}` : g.nodes.has(`module:${node}`) ? `module:${node}` : undefined;
    if (!id) continue;
    if (!pinned.has(name)) pinned.set(name, 10_000 + pinned.size);
    community.set(id, pinned.get(name)!);
    hubs.delete(id);
  }
  // Master tables join the context of the tables they reference (a products table goes with its categories), else
  // their strongest one; hubs attach to their strongest context.
  for (const hub of [...masters.sort(), ...[...hubs].filter((h) => !masters.includes(h)).sort()]) {
    const parents = masters.includes(hub) ? referencedTables(g, hub).filter((id) => community.has(id) && !hubs.has(id)) : [];
    const votes = new Map<number, number>();
    for (const p of parents) votes.set(community.get(p)!, (votes.get(community.get(p)!) ?? 0) + 1);
    const best = strongest(votes.size ? votes : ties(g, community, options, hub));
    community.set(hub, best ?? -1);
  }
  // Renumber: bigger communities (by tables, then nodes) first; ties by first node id.
  const groups = new Map<number, string[]>();
  for (const [id, c] of community) (groups.get(c) ?? groups.set(c, []).get(c)!).push(id);
  const order = [...groups.entries()]
    .map(([c, ids]) => ({ c, ids: ids.sort(), tables: ids.filter((i) => i.startsWith('table:')).length }))
    .sort((a, b) => b.tables - a.tables || b.ids.length - a.ids.length || a.ids[0]!.localeCompare(b.ids[0]!));
  const renumber = new Map(order.map((o, i) => [o.c, i]));
  for (const id of masters) hubs.delete(id);
  return { community: new Map([...community].map(([id, c]) => [id, renumber.get(c)!])), count: order.length, hubs, resolution, masters: new Set(masters) };
}
