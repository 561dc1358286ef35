/**
 * Builds a TrafficSummary from statement shapes, transactions and requests added one at a time, and merges
 * summaries (query logs and traces of the same monolith) into one: shapes by fingerprint, transactions by their
 * set of tables, requests by route.
 */
import type { RequestShape, SourceRef, StatementShape, TableAccess, TrafficSummary, TransactionShape } from '../types.ts';

const EXAMPLE_LENGTH = 300;

const byKey = <T>(map: Map<string, T>) => [...map.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, v]) => v);

export class TrafficBuilder {
  readonly summary: TrafficSummary = { files: [], statements: 0, shapes: [], transactions: [], requests: [], unparsed: { count: 0, examples: [] }, skippedLines: 0, warnings: [] };
  private readonly shapes = new Map<string, StatementShape>();
  private readonly transactions = new Map<string, { shape: TransactionShape; written: Set<string> }>();
  private readonly requests = new Map<string, { shape: RequestShape; tables: Set<string>; written: Set<string> }>();

  addShape(shape: { fingerprint: string; example: string; access: TableAccess; firstSeen: SourceRef }, count: number, routes: Record<string, number>, modules: Record<string, number> = {}): void {
    let known = this.shapes.get(shape.fingerprint);
    if (!known) {
      known = { fingerprint: shape.fingerprint, example: shape.example.slice(0, EXAMPLE_LENGTH), access: shape.access, count: 0, routes: {}, modules: {}, firstSeen: shape.firstSeen };
      this.shapes.set(shape.fingerprint, known);
    }
    known.count += count;
    for (const [route, n] of Object.entries(routes)) known.routes[route] = (known.routes[route] ?? 0) + n;
    for (const [module, n] of Object.entries(modules)) known.modules[module] = (known.modules[module] ?? 0) + n;
  }

  addTransaction(tables: Iterable<string>, written: Iterable<string>, count: number): void {
    const sorted = [...new Set(tables)].sort();
    if (sorted.length === 0) return;
    const key = sorted.join(',');
    let entry = this.transactions.get(key);
    if (!entry) this.transactions.set(key, (entry = { shape: { tables: sorted, written: [], count: 0 }, written: new Set() }));
    for (const t of written) entry.written.add(t);
    entry.shape.count += count;
  }

  addRequest(route: string, module: string | undefined, tables: Iterable<string>, written: Iterable<string>, count: number): void {
    let entry = this.requests.get(route);
    if (!entry) this.requests.set(route, (entry = { shape: { route, ...(module === undefined ? {} : { module }), tables: [], written: [], count: 0 }, tables: new Set(), written: new Set() }));
    for (const t of tables) entry.tables.add(t);
    for (const t of written) entry.written.add(t);
    entry.shape.count += count;
  }

  /** Adds everything `other` holds (files, counts, shapes, transactions, requests, warnings). */
  merge(other: TrafficSummary): void {
    const s = this.summary;
    s.files.push(...other.files);
    s.statements += other.statements;
    s.skippedLines += other.skippedLines;
    s.warnings.push(...other.warnings);
    s.unparsed.count += other.unparsed.count;
    s.unparsed.examples.push(...other.unparsed.examples.slice(0, Math.max(0, 5 - s.unparsed.examples.length)));
    for (const shape of other.shapes) this.addShape(shape, shape.count, shape.routes, shape.modules);
    for (const tx of other.transactions) this.addTransaction(tx.tables, tx.written, tx.count);
    for (const r of other.requests) this.addRequest(r.route, r.module, r.tables, r.written, r.count);
  }

  build(): TrafficSummary {
    for (const { shape, written } of this.transactions.values()) shape.written = [...written].sort();
    for (const { shape, tables, written } of this.requests.values()) {
      shape.tables = [...tables].sort();
      shape.written = [...written].sort();
    }
    this.summary.shapes = byKey(this.shapes);
    this.summary.transactions = byKey(new Map([...this.transactions].map(([k, v]) => [k, v.shape])));
    this.summary.requests = byKey(new Map([...this.requests].map(([k, v]) => [k, v.shape])));
    return this.summary;
  }
}

/** Query logs and traces of one monolith as one TrafficSummary. */
export function mergeTraffic(summaries: TrafficSummary[]): TrafficSummary {
  if (summaries.length === 1) return summaries[0]!;
  const builder = new TrafficBuilder();
  for (const s of summaries) builder.merge(s);
  return builder.build();
}
