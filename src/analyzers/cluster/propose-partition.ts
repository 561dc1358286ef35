/**
 * Bounded contexts from the coupling graph, in steps that each can be explained:
 * 1. hubs (what nearly everything touches: a settings table, a shared lib/), master data (tables much of the
 *    schema references: products, users) and the weak entities of master data (user_addresses) are set aside;
 * 2. the rest is partitioned with Louvain (seeded, so results are reproducible);
 * 3. master data joins the tables it references or the ones that cascade from it, weak entities follow it;
 * 4. a community is split where only reads hold it together, and a lone table rejoins its owner;
 * 5. communities without tables fold into the one they talk to most; pins apply; hubs attach to their strongest
 *    context and are reported as shared.
 */
import Graph from 'graphology';
import louvain from 'graphology-communities-louvain';
import type { EvidenceKind } from '../../config/schema.ts';
import { edgeWeight, groupingWeight, PLACEMENT_ONLY, type CouplingGraph, type GraphEdge } from '../graph/coupling-graph.ts';

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

/** Nodes touched by a large share of the routes or modules (by direct edges; a route's handler chain left out). */
export function findHubs(g: CouplingGraph, share: number): Set<string> {
  const neighbours = new Map<string, Set<string>>();
  for (const e of g.edges.values()) {
    if (e.evidence.every((ev) => PLACEMENT_ONLY.has(ev.kind))) continue;
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
    const weight = groupingWeight(e, options.weights);
    if (weight > 0) graph.addEdge(e.a, e.b, { weight });
  }
  const mapping = louvain(graph, { getEdgeWeight: 'weight', resolution, rng: mulberry32(options.seed) });
  return new Map(Object.entries(mapping));
}

const adjacencyCache = new WeakMap<CouplingGraph, { edges: number; at: Map<string, GraphEdge[]> }>();

/** The edges at a node, from an index built once per graph (and again if edges were added since). */
function edgesAt(g: CouplingGraph, node: string): GraphEdge[] {
  let cached = adjacencyCache.get(g);
  if (!cached || cached.edges !== g.edges.size) {
    const at = new Map<string, GraphEdge[]>();
    for (const e of g.edges.values()) {
      (at.get(e.a) ?? at.set(e.a, []).get(e.a)!).push(e);
      (at.get(e.b) ?? at.set(e.b, []).get(e.b)!).push(e);
    }
    cached = { edges: g.edges.size, at };
    adjacencyCache.set(g, cached);
  }
  return cached.at.get(node) ?? [];
}

/** Strength of each node's ties to each community (only the communities `keep` accepts, when given). */
function ties(g: CouplingGraph, community: Map<string, number>, options: ProposeOptions, node: string, keep?: Set<number>, weight = edgeWeight): Map<number, number> {
  const out = new Map<number, number>();
  for (const e of edgesAt(g, node)) {
    const other = e.a === node ? e.b : e.a;
    const c = community.get(other);
    if (c !== undefined && keep && !keep.has(c)) continue;
    if (c === undefined) continue;
    out.set(c, (out.get(c) ?? 0) + weight(e, options.weights));
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

/** Tables that reference a table by foreign key, and whether they cascade from it. */
function referencingTables(g: CouplingGraph, id: string): { id: string; cascade: boolean }[] {
  const out: { id: string; cascade: boolean }[] = [];
  for (const e of edgesAt(g, id)) {
    const other = e.a === id ? e.b : e.a;
    const fks = e.evidence.filter((ev) => ev.kind === 'foreignKey' && ev.to === id);
    if (fks.length) out.push({ id: other, cascade: fks.some((ev) => ev.cascade) });
  }
  return out.sort((a, b) => a.id.localeCompare(b.id));
}

/** Tables a table references by foreign key. */
function referencedTables(g: CouplingGraph, id: string): string[] {
  const out: string[] = [];
  for (const e of edgesAt(g, id)) {
    const other = e.a === id ? e.b : e.a;
    if (e.evidence.some((ev) => ev.kind === 'foreignKey' && ev.to === other)) out.push(other);
  }
  return out.sort();
}

/**
 * Weak entities of master data: tables whose foreign keys all point at master tables (user_addresses -> users,
 * product_images -> products) and that are never written in one transaction with another table of their own.
 * Each belongs to one master's aggregate: the one it cascades from (ON DELETE CASCADE), else its only parent, else
 * the parent it is tied to most. Returns satellite id -> master id.
 */
export function findSatellites(g: CouplingGraph, masters: Set<string>, hubs: Set<string>, options: ProposeOptions): Map<string, string> {
  const out = new Map<string, string>();
  if (masters.size === 0) return out;
  // Tables written together with another table of their own: in one transaction, or by one module (a route
  // writing several tables in separate statements is not one unit of work).
  const writtenBy = new Map<string, Set<string>>();
  for (const e of g.edges.values()) {
    for (const [writer, table] of [[e.a, e.b], [e.b, e.a]] as const) {
      if (!table.startsWith('table:') || writer.startsWith('table:')) continue;
      if (e.evidence.some((ev) => ev.kind === 'codeAccess' && ev.writes)) {
        (writtenBy.get(writer) ?? writtenBy.set(writer, new Set()).get(writer)!).add(table);
      }
    }
  }
  const coWritten = new Map<string, Set<string>>();
  for (const tables of writtenBy.values()) {
    const own = [...tables].filter((t) => !masters.has(t) && !hubs.has(t));
    for (const t of own) for (const u of own) if (t !== u) (coWritten.get(t) ?? coWritten.set(t, new Set()).get(t)!).add(u);
  }
  for (const id of [...g.nodes.keys()].sort()) {
    if (g.nodes.get(id)!.kind !== 'table' || masters.has(id) || hubs.has(id)) continue;
    const parents: { id: string; cascade: boolean; weight: number }[] = [];
    let writtenWithOthers = false;
    for (const e of edgesAt(g, id)) {
      const other = e.a === id ? e.b : e.a;
      if (!other.startsWith('table:') || hubs.has(other)) continue;
      const fk = e.evidence.filter((ev) => ev.kind === 'foreignKey' && ev.to === other);
      if (fk.length) parents.push({ id: other, cascade: fk.some((ev) => ev.cascade), weight: edgeWeight(e, options.weights) });
      if (!masters.has(other) && e.evidence.some((ev) => ev.kind === 'transaction' && ev.writes)) writtenWithOthers = true;
      if (masters.has(other)) continue;
      // Its rows feed another table of its own (events read to compute recommendations), or a table that
      // references it is written in the transactions that use it (payments and the payment method they charge).
      if (e.evidence.some((ev) => ev.kind === 'join' && ev.flowsTo === other)) writtenWithOthers = true;
      const referencedByOther = e.evidence.some((ev) => ev.kind === 'foreignKey' && ev.to === id);
      if (referencedByOther && e.evidence.some((ev) => ev.kind === 'transaction')) writtenWithOthers = true;
    }
    if (coWritten.has(id)) writtenWithOthers = true;
    if (writtenWithOthers || parents.length === 0 || parents.some((p) => !masters.has(p.id))) continue;
    const cascading = parents.filter((p) => p.cascade);
    const candidates = cascading.length === 1 ? cascading : cascading.length > 1 ? cascading : parents;
    const best = [...candidates].sort((x, y) => y.weight - x.weight || x.id.localeCompare(y.id))[0]!;
    out.set(id, best.id);
  }
  return out;
}

/**
 * Evidence that says "these belong to one owner": a foreign key, tables written in one transaction, code or a
 * route writing a table, a route's handler. Reads (a report joining orders with users) do not, and neither does
 * the foreign key of a rollup (daily_sales -> categories): it points at what the rollup summarizes.
 */
export function isOwnershipTie(e: GraphEdge, masters: Set<string> = new Set(), derived: Set<string> = new Set()): boolean {
  return e.evidence.some(
    (ev) =>
      (ev.kind === 'foreignKey' && !masters.has(ev.to ?? '') && !derived.has(ev.to === e.a ? e.b : e.a)) ||
      ((ev.kind === 'transaction' || ev.kind === 'codeAccess') && ev.writes === true),
  );
}

/** Rollups and read models (tables the traffic only writes from other tables' rows). */
export function derivedTables(g: CouplingGraph): Set<string> {
  return new Set([...g.nodes].filter(([, n]) => n.derived).map(([id]) => id));
}

/**
 * Splits each community into the parts that ownership ties hold together: a table that only joins a community
 * through reads (page_views read by one report of orders) is not part of it.
 */
export function splitByOwnership(
  g: CouplingGraph,
  community: Map<string, number>,
  skip: Set<string>,
  masters: Set<string> = new Set(),
  satellites: Map<string, string> = new Map(),
  derived: Set<string> = new Set(),
): Map<string, number> {
  const parent = new Map<string, string>();
  const find = (x: string): string => {
    let r = x;
    while (parent.get(r)! !== r) r = parent.get(r)!;
    parent.set(x, r);
    return r;
  };
  for (const id of community.keys()) parent.set(id, id);
  for (const key of [...g.edges.keys()].sort()) {
    const e = g.edges.get(key)!;
    if (skip.has(e.a) || skip.has(e.b) || !community.has(e.a) || !community.has(e.b)) continue;
    // A foreign key to master data (everything references users) ties only the master's own weak entities.
    const satelliteTie = satellites.get(e.a) === e.b || satellites.get(e.b) === e.a;
    if (community.get(e.a) !== community.get(e.b) || !(satelliteTie || isOwnershipTie(e, masters, derived))) continue;
    const [ra, rb] = [find(e.a), find(e.b)];
    if (ra !== rb) parent.set(ra < rb ? rb : ra, ra < rb ? ra : rb);
  }
  // Number the parts: the part with the community's first table keeps its number, the others get new ones.
  const out = new Map<string, number>();
  const partNumber = new Map<string, number>();
  const kept = new Set<number>();
  let next = Math.max(-1, ...community.values()) + 1;
  const rootsWithTables = new Set([...community.keys()].filter((x) => x.startsWith('table:')).map(find));
  for (const id of [...community.keys()].sort()) {
    const root = find(id);
    if (!partNumber.has(root)) {
      const c = community.get(id)!;
      const hasTable = rootsWithTables.has(root);
      if (!hasTable || !kept.has(c)) {
        partNumber.set(root, c);
        if (hasTable) kept.add(c);
      } else partNumber.set(root, next++);
    }
    out.set(id, partNumber.get(root)!);
  }
  return out;
}

/**
 * A table left on its own (no code writes it, nothing it is written with stayed in its community) joins the
 * community it has the strongest ownership ties to: order_items, read by many reports, still belongs with orders.
 * One with no ownership tie at all (an event log written alone) goes where its rows are used: with the table it
 * feeds (events read to compute recommendations), else with the tables it is read with most (page views read with
 * the sales they are reported next to).
 */
export function adoptOrphans(g: CouplingGraph, community: Map<string, number>, skip: Set<string>, masters: Set<string>, options: ProposeOptions, derived: Set<string> = new Set()): void {
  const members = new Map<number, string[]>();
  for (const [id, c] of community) (members.get(c) ?? members.set(c, []).get(c)!).push(id);
  const unowned: { table: string; c: number }[] = [];
  for (const [c, ids] of [...members].sort((a, b) => a[0] - b[0])) {
    const tables = ids.filter((id) => id.startsWith('table:'));
    if (tables.length !== 1) continue;
    const table = tables[0]!;
    const ownership = new Map<number, number>();
    let writtenByCode = false;
    let owned = false;
    for (const e of edgesAt(g, table)) {
      const other = e.a === table ? e.b : e.a;
      if (other.startsWith('module:') && e.evidence.some((ev) => ev.kind === 'codeAccess' && ev.writes)) writtenByCode = true;
      if (!other.startsWith('table:') || skip.has(other) || !isOwnershipTie(e, masters, derived)) continue;
      owned = true;
      const oc = community.get(other);
      if (oc === undefined || oc === c) continue;
      ownership.set(oc, (ownership.get(oc) ?? 0) + edgeWeight(e, options.weights));
    }
    if (writtenByCode) continue;
    const best = strongest(ownership);
    if (best !== undefined) for (const id of ids) community.set(id, best);
    else if (!owned && !skip.has(table)) unowned.push({ table, c });
  }
  // Tables with no owner at all: each points at one table; communities joined this way merge (a chain of event
  // logs ends in at most one community with an owner, since each points at one place).
  const target = new Map<number, number>();
  for (const { table, c } of unowned) {
    const feeds = new Map<string, number>();
    const readWith = new Map<string, number>();
    for (const e of edgesAt(g, table)) {
      const other = e.a === table ? e.b : e.a;
      if (!other.startsWith('table:') || skip.has(other) || community.get(other) === undefined || community.get(other) === c) continue;
      for (const ev of e.evidence) {
        if (ev.kind !== 'join' || ev.strength === undefined) continue;
        const into = ev.flowsTo === other ? feeds : ev.flowsTo === undefined ? readWith : undefined;
        into?.set(other, (into.get(other) ?? 0) + ev.strength);
      }
    }
    const pick = (m: Map<string, number>) => [...m].sort((x, y) => y[1] - x[1] || x[0].localeCompare(y[0]))[0]?.[0];
    const to = pick(feeds) ?? pick(readWith);
    if (to !== undefined) target.set(c, community.get(to)!);
  }
  const resolve = (c: number): number => {
    const seen = new Set<number>();
    let at = c;
    while (target.has(at) && !seen.has(at)) {
      seen.add(at);
      at = target.get(at)!;
    }
    // A cycle of unowned tables: they form one community, named by its smallest number.
    return target.has(at) ? Math.min(...seen) : at;
  };
  for (const [id, c] of [...community]) if (target.has(c)) community.set(id, resolve(c));
}

export function proposePartition(g: CouplingGraph, options: ProposeOptions): Proposal {
  // Master data (referenced by much of the schema) is owned by one context even when most routes read it.
  const masters = [...findMasterTables(g, options.masterShare ?? 0.25)].sort();
  const shared = new Set([...findHubs(g, options.hubShare ?? 0.35)].filter((id) => !masters.includes(id)));
  const satellites = findSatellites(g, new Set(masters), shared, options);
  const hubs = new Set([...shared, ...masters, ...satellites.keys()]);
  // Without code, a route is only the statements it ran (already in the graph as statements and transactions):
  // routes are placed after the tables, with the context they use most, instead of pulling tables together.
  const routesLater = ![...g.nodes.values()].some((n) => n.kind === 'module');
  const outOfLouvain = routesLater ? new Set([...hubs, ...[...g.nodes.keys()].filter((id) => id.startsWith('route:'))]) : hubs;
  const propose = (resolution: number) =>
    finishPartition(g, run(g, outOfLouvain, options, resolution), { masters, satellites, hubs: new Set(hubs), routesLater, options, resolution });
  let proposal = propose(options.resolution);
  const want = options.contexts;
  if (want && contextsWithTables(proposal.community) > want) return mergeContexts(g, proposal, want, options);
  if (want) {
    // More contexts than the resolution gives: binary search on the resolution, counted on the finished proposal
    // (ownership splits and adoptions change Louvain's count); the closest one found is kept.
    const contextsOf = (p: Proposal) => contextsWithTables(p.community);
    let best = proposal;
    let lo = options.resolution;
    let hi = 20;
    let resolution = options.resolution;
    for (let i = 0; i < 24; i++) {
      const n = contextsOf(proposal);
      if (Math.abs(n - want) < Math.abs(contextsOf(best) - want)) best = proposal;
      if (n === want) break;
      if (n < want) lo = resolution;
      else hi = resolution;
      resolution = (lo + hi) / 2;
      proposal = propose(resolution);
    }
    proposal = best;
  }
  return proposal;
}

function contextsWithTables(community: Map<string, number>): number {
  return new Set([...community].filter(([id]) => id.startsWith('table:')).map(([, c]) => c)).size;
}

/**
 * Fewer contexts than the proposal has: merges, one pair at a time, the two contexts whose merge raises modularity
 * most (or lowers it least): the ones most tied to each other for their size (agglomerative, as in CNM).
 */
export function mergeContexts(g: CouplingGraph, proposal: Proposal, want: number, options: ProposeOptions): Proposal {
  const community = new Map(proposal.community);
  const volume = new Map<number, number>();
  const between = new Map<string, number>();
  let total = 0;
  for (const e of g.edges.values()) {
    const [ca, cb] = [community.get(e.a), community.get(e.b)];
    if (ca === undefined || cb === undefined) continue;
    const w = groupingWeight(e, options.weights);
    if (w <= 0) continue;
    total += w;
    volume.set(ca, (volume.get(ca) ?? 0) + w);
    volume.set(cb, (volume.get(cb) ?? 0) + w);
    if (ca !== cb) {
      const key = ca < cb ? `${ca},${cb}` : `${cb},${ca}`;
      between.set(key, (between.get(key) ?? 0) + w);
    }
  }
  const tabled = () => [...new Set([...community].filter(([id]) => id.startsWith('table:')).map(([, c]) => c))].sort((a, b) => a - b);
  for (let left = tabled(); left.length > want; left = tabled()) {
    let best: { a: number; b: number; gain: number } | undefined;
    for (let i = 0; i < left.length; i++) {
      for (let j = i + 1; j < left.length; j++) {
        const [a, b] = [left[i]!, left[j]!];
        const gain = (between.get(`${a},${b}`) ?? 0) / total - (2 * (volume.get(a) ?? 0) * (volume.get(b) ?? 0)) / (2 * total) ** 2;
        if (!best || gain > best.gain) best = { a, b, gain };
      }
    }
    const { a, b } = best!;
    for (const [id, c] of community) if (c === b) community.set(id, a);
    volume.set(a, (volume.get(a) ?? 0) + (volume.get(b) ?? 0));
    volume.delete(b);
    for (const [key, w] of [...between]) {
      const [x, y] = key.split(',').map(Number) as [number, number];
      if (x !== b && y !== b) continue;
      between.delete(key);
      const other = x === b ? y : x;
      if (other === a) continue;
      const merged = a < other ? `${a},${other}` : `${other},${a}`;
      between.set(merged, (between.get(merged) ?? 0) + w);
    }
  }
  return { ...proposal, community: renumbered(community), count: new Set(community.values()).size };
}

/** Bigger communities (by tables, then nodes) first; ties by first node id. */
function renumbered(community: Map<string, number>): Map<string, number> {
  const groups = new Map<number, string[]>();
  for (const [id, c] of community) (groups.get(c) ?? groups.set(c, []).get(c)!).push(id);
  const order = [...groups.entries()]
    .map(([c, ids]) => ({ c, ids: ids.sort(), tables: ids.filter((i) => i.startsWith('table:')).length }))
    .sort((a, b) => b.tables - a.tables || b.ids.length - a.ids.length || a.ids[0]!.localeCompare(b.ids[0]!));
  const renumber = new Map(order.map((o, i) => [o.c, i]));
  return new Map([...community].map(([id, c]) => [id, renumber.get(c)!]));
}

interface FinishContext {
  masters: string[];
  satellites: Map<string, string>;
  /** Set aside from Louvain; masters and satellites leave it once placed (a copy: it is changed). */
  hubs: Set<string>;
  routesLater: boolean;
  options: ProposeOptions;
  resolution: number;
}

/** Steps 3 to 6 on a Louvain partition: master data and weak entities placed, ownership splits, adoptions, the rest. */
function finishPartition(g: CouplingGraph, community: Map<string, number>, { masters, satellites, hubs, routesLater, options, resolution }: FinishContext): Proposal {
  // Master tables join the context of the tables they reference (a products table goes with its categories); a
  // master that references no other context's tables starts its own (users); satellites follow their master.
  let fresh = 20_000;
  for (const m of masters) {
    const parents = referencedTables(g, m).filter((id) => community.has(id) && !hubs.has(id));
    const votes = new Map<number, number>();
    for (const p of parents) votes.set(community.get(p)!, (votes.get(community.get(p)!) ?? 0) + 1);
    if (votes.size === 0) {
      // No parent of its own: it goes where most of the tables that are part of it (ON DELETE CASCADE) went.
      const children = referencingTables(g, m).filter((c) => community.has(c.id) && !hubs.has(c.id));
      for (const c of children.some((x) => x.cascade) ? children.filter((x) => x.cascade) : children) {
        votes.set(community.get(c.id)!, (votes.get(community.get(c.id)!) ?? 0) + 1);
      }
    }
    const best = strongest(votes);
    community.set(m, best ?? fresh++);
  }
  for (const [satellite, master] of [...satellites].sort((a, b) => a[0].localeCompare(b[0]))) community.set(satellite, community.get(master)!);
  for (const id of [...masters, ...satellites.keys()]) hubs.delete(id);
  // Only when the inputs say who writes what (logs with writes, code): otherwise reads are all there is.
  const knowsWriters = [...g.edges.values()].some((e) => e.evidence.some((ev) => ev.writes && !PLACEMENT_ONLY.has(ev.kind)));
  if (knowsWriters) {
    const derived = derivedTables(g);
    community = splitByOwnership(g, community, hubs, new Set(masters), satellites, derived);
    adoptOrphans(g, community, hubs, new Set(masters), options, derived);
  }
  if (routesLater) for (const id of [...g.nodes.keys()].filter((x) => x.startsWith('route:')).sort()) community.set(id, fresh++);
  // Routes whose handler chain is known are placed again, now that the tables are grouped: with what their handler
  // module, their handler chain's tables and their requests tie them to most (a controller mixing domains does not
  // take all its routes along).
  const traced = routesLater ? [] : [...g.nodes.keys()].filter((id) => id.startsWith('route:') && edgesAt(g, id).some((e) => e.evidence.some((ev) => PLACEMENT_ONLY.has(ev.kind)))).sort();
  const grouped = new Map(traced.map((id) => [id, community.get(id)!]));
  for (const id of traced) community.set(id, fresh++);
  // Communities without tables join the one they are tied to most.
  const withTables = new Set([...community].filter(([id]) => id.startsWith('table:')).map(([, c]) => c));
  for (let pass = 0; pass < 3; pass++) {
    for (const id of [...community.keys()].sort()) {
      if (withTables.has(community.get(id)!)) continue;
      const t = ties(g, community, options, id, withTables);
      const best = strongest(t);
      if (best !== undefined) community.set(id, best);
    }
  }
  // A traced route tied to no context with tables stays where it was grouped.
  for (const [id, c] of grouped) if (!withTables.has(community.get(id)!)) community.set(id, c);
  // Pins.
  const pinned = new Map<string, number>();
  for (const [node, name] of Object.entries(options.pins ?? {})) {
    const id = g.nodes.has(`table:${node}`) ? `table:${node}` : g.nodes.has(`module:${node}`) ? `module:${node}` : undefined;
    if (!id) continue;
    if (!pinned.has(name)) pinned.set(name, 10_000 + pinned.size);
    community.set(id, pinned.get(name)!);
    hubs.delete(id);
  }
  // Hubs attach to their strongest context.
  for (const hub of [...hubs].sort()) community.set(hub, strongest(ties(g, community, options, hub, undefined, groupingWeight)) ?? -1);
  return { community: renumbered(community), count: new Set(community.values()).size, hubs, resolution, masters: new Set(masters) };
}
