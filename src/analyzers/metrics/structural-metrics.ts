/**
 * Partition metrics from the decomposition literature that need only the graph and the assignment:
 * structural modularity (Jin et al.: cohesion inside contexts minus coupling between them, on unweighted edges)
 * and database entropy (how spread each table's accesses are over contexts: 0 when one context uses it).
 */
export interface MetricEdge {
  a: string;
  b: string;
}

/**
 * SM = (1/K) * sum_i mu_i / m_i^2  -  (1 / (K(K-1)/2)) * sum_{i<j} sigma_ij / (2 m_i m_j)
 * where m_i is the number of nodes of context i, mu_i its inside edges, sigma_ij the edges between i and j.
 */
export function structuralModularity(contextOf: Map<string, string>, edges: MetricEdge[]): number {
  const size = new Map<string, number>();
  for (const c of contextOf.values()) size.set(c, (size.get(c) ?? 0) + 1);
  const k = size.size;
  if (k === 0) return 0;
  const inside = new Map<string, number>();
  const between = new Map<string, number>();
  for (const e of edges) {
    const [ca, cb] = [contextOf.get(e.a), contextOf.get(e.b)];
    if (ca === undefined || cb === undefined) continue;
    if (ca === cb) inside.set(ca, (inside.get(ca) ?? 0) + 1);
    else {
      const key = ca < cb ? `${ca}\u0000${cb}` : `${cb}\u0000${ca}`;
      between.set(key, (between.get(key) ?? 0) + 1);
    }
  }
  let cohesion = 0;
  for (const [c, m] of size) cohesion += (inside.get(c) ?? 0) / (m * m);
  let coupling = 0;
  for (const [key, sigma] of between) {
    const [ci, cj] = key.split('\u0000') as [string, string];
    coupling += sigma / (2 * size.get(ci)! * size.get(cj)!);
  }
  const pairs = (k * (k - 1)) / 2;
  return cohesion / k - (pairs > 0 ? coupling / pairs : 0);
}

/**
 * Mean over tables of the normalized Shannon entropy of the contexts their accesses come from:
 * H_t = -sum_c p_c log2 p_c / log2 K, p_c = the share of table t's access weight that comes from context c.
 * Tables nobody accesses are left out; with one context the entropy is 0.
 */
export function databaseEntropy(accesses: { table: string; context: string; weight: number }[], contexts: number): number {
  if (contexts < 2) return 0;
  const byTable = new Map<string, Map<string, number>>();
  for (const a of accesses) {
    if (a.weight <= 0) continue;
    const m = byTable.get(a.table) ?? byTable.set(a.table, new Map()).get(a.table)!;
    m.set(a.context, (m.get(a.context) ?? 0) + a.weight);
  }
  if (byTable.size === 0) return 0;
  let sum = 0;
  for (const m of byTable.values()) {
    const total = [...m.values()].reduce((s, w) => s + w, 0);
    let h = 0;
    for (const w of m.values()) h -= (w / total) * Math.log2(w / total);
    sum += h / Math.log2(contexts);
  }
  return sum / byTable.size;
}
