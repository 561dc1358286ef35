/**
 * One weighted graph of tables, code modules and routes. Every edge keeps the evidence it was built from
 * (kind, count, where), so every assignment and every seam can be explained.
 */
import type { EvidenceKind } from '../../config/schema.ts';
import type { CodeModel, CodeRoute, HistoryModel, SchemaModel, TrafficSummary } from '../types.ts';

export type NodeKind = 'table' | 'module' | 'route';

export interface Evidence {
  kind: EvidenceKind;
  count: number;
  /** Where: a statement fingerprint, file:line, a foreign key name. */
  where?: string;
  /** Which side writes, for code access and transactions. */
  writes?: boolean;
  /**
   * Association strength in [0, 1] (cosine: co-occurrences / sqrt(occurrences of each)), for traffic evidence:
   * a table that appears in most statements (products, settings) is not strongly tied to each of them.
   */
  strength?: number;
  /** For a foreign key: the referenced table's node id. */
  to?: string;
  /** For a foreign key: ON DELETE CASCADE. */
  cascade?: boolean;
  /**
   * For traffic in one statement: the node id of the table written with rows read from the other one
   * (`INSERT INTO user_recommendations ... SELECT ... FROM recommendation_events`): data flows into it.
   */
  flowsTo?: string;
}

/** Weight of one unit of association strength, relative to the log-scaled counts of other evidence. */
export const STRENGTH_SCALE = 2;

export interface GraphEdge {
  a: string;
  b: string;
  evidence: Evidence[];
}

export interface GraphNode {
  kind: NodeKind;
  name: string;
  /**
   * A table the traffic only ever writes from rows of other tables (INSERT .. SELECT, DELETE .. USING): a rollup
   * or read model, whose foreign keys point at the data it summarizes rather than at its owner.
   */
  derived?: boolean;
}

export interface CouplingGraph {
  nodes: Map<string, GraphNode>;
  edges: Map<string, GraphEdge>;
}

/**
 * Default evidence weights. Writing tables in the same transaction and foreign keys are the strongest signs that
 * tables belong together; a request reading many tables (a product page, a report) is a weak one. What a route's
 * handler chain touches (`handlerAccess`) only places the route, once the tables are grouped: weak, so a route
 * leaves the context of its handler's module only for one its handler chain clearly writes.
 */
export const DEFAULT_WEIGHTS: Record<EvidenceKind, number> = {
  join: 3,
  transaction: 4,
  request: 0.5,
  foreignKey: 3,
  codeAccess: 3,
  handlerAccess: 0.5,
  import: 0.5,
  call: 1,
  coChange: 1,
};

/**
 * Evidence that places routes but does not group tables and modules: a checkout route writing carts, orders,
 * payments and stock is not a reason for those tables to be one context.
 */
export const PLACEMENT_ONLY: ReadonlySet<EvidenceKind> = new Set(['handlerAccess']);

export const nodeId = (kind: NodeKind, name: string) => `${kind}:${name}`;

export function emptyGraph(): CouplingGraph {
  return { nodes: new Map(), edges: new Map() };
}

export function addNode(g: CouplingGraph, kind: NodeKind, name: string): string {
  const id = nodeId(kind, name);
  if (!g.nodes.has(id)) g.nodes.set(id, { kind, name });
  return id;
}

export function addEvidence(g: CouplingGraph, a: string, b: string, evidence: Evidence): void {
  if (a === b) return;
  const [x, y] = a < b ? [a, b] : [b, a];
  const key = `${x}|${y}`;
  const edge = g.edges.get(key) ?? { a: x, b: y, evidence: [] };
  const same = edge.evidence.find((e) => e.kind === evidence.kind && e.where === evidence.where && e.flowsTo === evidence.flowsTo);
  if (same) {
    same.count += evidence.count;
    same.writes ||= evidence.writes;
  } else edge.evidence.push({ ...evidence });
  g.edges.set(key, edge);
}

/** Weight of an edge: per kind, log-scaled counts so one hot query does not outweigh the rest. */
export function edgeWeight(edge: GraphEdge, weights: Record<EvidenceKind, number>): number {
  const perKind = new Map<EvidenceKind, number>();
  let w = 0;
  for (const e of edge.evidence) {
    if (e.strength !== undefined) w += weights[e.kind] * STRENGTH_SCALE * e.strength;
    else perKind.set(e.kind, (perKind.get(e.kind) ?? 0) + e.count);
  }
  for (const [kind, count] of perKind) w += weights[kind] * Math.log2(1 + count);
  return w;
}

/** Weight of an edge for grouping tables and modules: without the evidence that only places routes. */
export function groupingWeight(edge: GraphEdge, weights: Record<EvidenceKind, number>): number {
  if (!edge.evidence.some((e) => PLACEMENT_ONLY.has(e.kind))) return edgeWeight(edge, weights);
  return edgeWeight({ ...edge, evidence: edge.evidence.filter((e) => !PLACEMENT_ONLY.has(e.kind)) }, weights);
}

export interface GraphInputs {
  traffic?: TrafficSummary;
  code?: CodeModel;
  schema?: SchemaModel;
  history?: HistoryModel;
}

/** PostgreSQL's own catalogs (pg_*, information_schema) are not part of any context. */
export function isSystemTable(name: string): boolean {
  return /^(pg_|information_schema\.|pg_catalog\.)/.test(name);
}

/** Pairs of a set, each pair once. */
function pairs<T>(items: T[]): [T, T][] {
  const out: [T, T][] = [];
  for (let i = 0; i < items.length; i++) for (let j = i + 1; j < items.length; j++) out.push([items[i]!, items[j]!]);
  return out;
}

export function buildCouplingGraph(inputs: GraphInputs): CouplingGraph {
  const g = emptyGraph();
  const t = (name: string) => addNode(g, 'table', name);
  const views = new Set((inputs.schema?.views ?? []).map((v) => v.name));
  if (inputs.traffic) {
    const expand = (names: string[]) =>
      [...new Set(names.flatMap((n) => (views.has(n) ? inputs.schema!.views.find((v) => v.name === n)!.reads : [n])))].filter((n) => !isSystemTable(n)).sort();
    // Co-occurrence in statements and in transactions, normalized by how often each table occurs at all.
    const associate = (kind: 'join' | 'transaction', groups: { tables: string[]; count: number; written?: string[] }[]) => {
      const freq = new Map<string, number>();
      const co = new Map<string, { a: string; b: string; n: number; writes: boolean; flowsTo?: string }>();
      for (const grp of groups) {
        for (const x of grp.tables) freq.set(x, (freq.get(x) ?? 0) + grp.count);
        for (const [a, b] of pairs(grp.tables)) {
          const wa = grp.written?.includes(a) ?? false;
          const wb = grp.written?.includes(b) ?? false;
          // In one statement, a table written from the rows of another is fed by it (kept apart from co-reads).
          const flowsTo = kind === 'join' && wa !== wb ? (wa ? a : b) : undefined;
          const key = `${a}|${b}|${flowsTo ?? ''}`;
          const factor = kind === 'transaction' && grp.written ? (wa && wb ? 1 : wa || wb ? 0.5 : 0.2) : 1;
          const entry = co.get(key) ?? { a, b, n: 0, writes: false, flowsTo };
          entry.n += (factor * grp.count) / (grp.tables.length - 1);
          entry.writes ||= factor === 1 && kind === 'transaction';
          co.set(key, entry);
        }
      }
      for (const e of co.values()) {
        const strength = e.n / Math.sqrt((freq.get(e.a) ?? 1) * (freq.get(e.b) ?? 1));
        addEvidence(g, t(e.a), t(e.b), {
          kind,
          count: Math.round(e.n),
          strength,
          ...(kind === 'transaction' ? { writes: e.writes } : {}),
          ...(e.flowsTo ? { flowsTo: t(e.flowsTo) } : {}),
        });
      }
    };
    const statements = inputs.traffic.shapes.map((shape) => ({ tables: expand(shape.access.tables), written: expand(shape.access.written), count: shape.count }));
    for (const st of statements) for (const name of st.tables) t(name);
    associate('join', statements);
    // Tables only ever written from other tables' rows: rollups and read models.
    const writeCounts = new Map<string, { plain: number; fromOthers: number }>();
    for (const st of statements) {
      for (const w of st.written) {
        const entry = writeCounts.get(w) ?? { plain: 0, fromOthers: 0 };
        if (st.tables.some((x) => !st.written.includes(x))) entry.fromOthers += st.count;
        else entry.plain += st.count;
        writeCounts.set(w, entry);
      }
    }
    for (const [name, w] of writeCounts) if (w.plain === 0 && w.fromOthers > 0) g.nodes.get(t(name))!.derived = true;
    associate('transaction', inputs.traffic.transactions.map((tx) => ({ tables: expand(tx.tables), count: tx.count, written: tx.written })).filter((x) => x.tables.length > 0));
    for (const req of inputs.traffic.requests) {
      const r = addNode(g, 'route', req.route);
      // A route that writes a table is a strong sign of ownership; reads are weaker.
      for (const table of expand(req.tables)) {
        const writes = req.written.includes(table);
        addEvidence(g, r, t(table), { kind: 'request', count: ((writes ? 3 : 1) * req.count) / Math.max(1, req.tables.length), writes });
      }
    }
  }
  if (inputs.schema) {
    for (const table of inputs.schema.tables) t(table.name);
    for (const fk of inputs.schema.foreignKeys) addEvidence(g, t(fk.from), t(fk.to), { kind: 'foreignKey', count: 1, where: fk.name, to: nodeId('table', fk.to), ...(fk.cascade ? { cascade: true } : {}) });
  }
  if (inputs.code) {
    const m = (name: string) => addNode(g, 'module', name);
    for (const mod of inputs.code.modules) m(mod.path);
    for (const a of codeTableTies(inputs.code, inputs.schema)) {
      addEvidence(g, m(a.module), t(a.table), { kind: 'codeAccess', count: a.count * (a.writes ? WRITE_FACTOR : READ_FACTOR), where: a.where, writes: a.writes });
    }
    for (const i of inputs.code.imports) addEvidence(g, m(i.from), m(i.to), { kind: 'import', count: 1, where: `${i.at.file}:${i.at.line}` });
    for (const c of inputs.code.calls) addEvidence(g, m(c.from), m(c.to), { kind: 'call', count: c.count, where: `${c.at.file}:${c.at.line}` });
    for (const r of inputs.code.routes) {
      if (r.handlerModule) addEvidence(g, addNode(g, 'route', r.route), m(r.handlerModule), { kind: 'call', count: 4, where: `${r.at.file}:${r.at.line}` });
      // The tables the handler and the functions it calls write and read, counted like a module's own access.
      for (const a of routeTableTies(r, inputs.schema)) {
        addEvidence(g, addNode(g, 'route', r.route), t(a.table), { kind: 'handlerAccess', count: a.count * (a.writes ? WRITE_FACTOR : READ_FACTOR), where: a.where, writes: a.writes });
      }
    }
  }
  if (inputs.history) {
    const known = new Set([...g.nodes.values()].filter((n) => n.kind === 'module').map((n) => n.name));
    for (const c of inputs.history.coChanges) {
      if (known.has(c.a) && known.has(c.b)) addEvidence(g, nodeId('module', c.a), nodeId('module', c.b), { kind: 'coChange', count: c.commits });
    }
  }
  return g;
}

/**
 * How much one code access counts, by mode: writing a table is the strongest sign that code owns it; reading it
 * (a report joining orders, a cart showing product names) is a weak one.
 */
export const WRITE_FACTOR = 2;
export const READ_FACTOR = 0.25;

export interface CodeTableTie {
  module: string;
  table: string;
  /** Accesses found (reads and writes). */
  count: number;
  writes: boolean;
  /** First write site, else first read site. */
  where: string;
}

/** Code-to-table ties, one per module and table (views resolved to the tables they read; system catalogs left out). */
export function codeTableTies(code: CodeModel, schema?: SchemaModel): CodeTableTie[] {
  const views = new Map((schema?.views ?? []).map((v) => [v.name, v.reads]));
  const ties = new Map<string, CodeTableTie>();
  for (const a of code.tableAccess) {
    if (isSystemTable(a.table)) continue;
    const writes = a.mode === 'write' && !views.has(a.table);
    for (const table of views.get(a.table) ?? [a.table]) {
      const key = `${a.module}|${table}`;
      const tie = ties.get(key) ?? { module: a.module, table, count: 0, writes: false, where: `${a.at.file}:${a.at.line}` };
      tie.count += a.count;
      if (writes && !tie.writes) tie.where = `${a.at.file}:${a.at.line}`;
      tie.writes ||= writes;
      ties.set(key, tie);
    }
  }
  return [...ties.values()].sort((x, y) => (x.module + x.table).localeCompare(y.module + y.table));
}

/** Route-to-table ties from the tables a route's handler chain touches (views resolved; system catalogs left out). */
export function routeTableTies(route: CodeRoute, schema?: SchemaModel): { table: string; count: number; writes: boolean; where: string }[] {
  if (!route.tables || !route.handlerAt) return [];
  const views = new Map((schema?.views ?? []).map((v) => [v.name, v.reads]));
  const where = `${route.handlerAt.file}:${route.handlerAt.line}`;
  const ties = new Map<string, { table: string; count: number; writes: boolean; where: string }>();
  for (const a of route.tables) {
    if (isSystemTable(a.table)) continue;
    const writes = a.writes && !views.has(a.table);
    for (const table of views.get(a.table) ?? [a.table]) {
      const tie = ties.get(table) ?? { table, count: 0, writes: false, where };
      tie.count += a.count;
      tie.writes ||= writes;
      ties.set(table, tie);
    }
  }
  return [...ties.values()].sort((x, y) => x.table.localeCompare(y.table));
}
