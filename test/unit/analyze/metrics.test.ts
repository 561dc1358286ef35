import { describe, expect, it } from 'vitest';
import { comparePartitions, mojoFm, pairwise } from '../../../src/analyzers/metrics/compare-partitions.ts';
import { proposePartition } from '../../../src/analyzers/cluster/propose-partition.ts';
import { addEvidence, addNode, DEFAULT_WEIGHTS, emptyGraph } from '../../../src/analyzers/graph/coupling-graph.ts';
import { assembleAnalysis } from '../../../src/analyzers/analysis/assemble-analysis.ts';
import { f1Text } from '../../../src/report/format-score.ts';

const map = (o: Record<string, string>) => new Map(Object.entries(o));

describe('pairwise precision / recall / F1 (hand-computed)', () => {
  it('scores pairs placed together', () => {
    // Reference: {a,b,c} {d}; proposal: {a,b} {c,d}. Reference pairs: ab ac bc. Proposed: ab cd.
    // TP = ab (1), FP = cd (1), FN = ac, bc (2): P = 1/2, R = 1/3, F1 = 0.4.
    const s = pairwise(map({ a: 'x', b: 'x', c: 'y', d: 'y' }), map({ a: '1', b: '1', c: '1', d: '2' }), new Set());
    expect(s).toEqual({ precision: 0.5, recall: 1 / 3, f1: 0.4, items: 4 });
  });
  it('leaves out excluded (shared) items and items only one side knows', () => {
    const s = pairwise(map({ a: 'x', b: 'x', s: 'x', z: 'x' }), map({ a: '1', b: '1', s: '2' }), new Set(['s']));
    expect(s).toEqual({ precision: 1, recall: 1, f1: 1, items: 2 });
  });
  it('is reported as n/a, not as a perfect score, when the inputs hold none of the items (no routes in plain logs)', () => {
    const none = pairwise(map({}), map({ a: '1', b: '1' }), new Set());
    expect(none.items).toBe(0);
    expect(f1Text(none)).toMatch(/^n\/a/);
    expect(f1Text(pairwise(map({ a: 'x', b: 'x', c: 'y', d: 'y' }), map({ a: '1', b: '1', c: '1', d: '2' }), new Set()))).toBe('0.400');
  });
});

describe('MoJoFM (hand-computed)', () => {
  it('is 100 for identical partitions and lower with each move', () => {
    const ref = map({ a: '1', b: '1', c: '1', d: '2', e: '2', f: '2' });
    expect(mojoFm(map({ a: 'x', b: 'x', c: 'x', d: 'y', e: 'y', f: 'y' }), ref, new Set())).toBe(100);
    // One item in the wrong cluster: mno = 1 move; max mno = 6 - 2 = 4: MoJoFM = 75.
    expect(mojoFm(map({ a: 'x', b: 'x', c: 'y', d: 'y', e: 'y', f: 'y' }), ref, new Set())).toBe(75);
  });
});

describe('proposal and metrics on a tiny graph', () => {
  function twoCliques() {
    const g = emptyGraph();
    const t = (n: string) => addNode(g, 'table', n);
    for (const [a, b] of [['a1', 'a2'], ['a2', 'a3'], ['a1', 'a3'], ['b1', 'b2'], ['b2', 'b3'], ['b1', 'b3']]) addEvidence(g, t(a!), t(b!), { kind: 'join', count: 100, where: `${a}-${b}` });
    addEvidence(g, t('a1'), t('b1'), { kind: 'foreignKey', count: 1, where: 'a1_b1_fkey' });
    return g;
  }

  it('finds the two cliques, reproducibly, with the seam between them', () => {
    const g = twoCliques();
    const p1 = proposePartition(g, { weights: DEFAULT_WEIGHTS, resolution: 1, seed: 1 });
    const p2 = proposePartition(g, { weights: DEFAULT_WEIGHTS, resolution: 1, seed: 1 });
    expect([...p1.community]).toEqual([...p2.community]);
    const result = assembleAnalysis(g, p1, DEFAULT_WEIGHTS);
    expect(result.contexts.map((c) => c.tables)).toEqual([['a1', 'a2', 'a3'], ['b1', 'b2', 'b3']]);
    expect(result.seams).toEqual([{ kind: 'foreignKey', from: { context: result.contexts[0]!.name, node: 'a1' }, to: { context: result.contexts[1]!.name, node: 'b1' }, count: 1, where: 'a1_b1_fkey' }]);
    // Modularity by hand: w = weight(join) * log2(1 + 100) per clique edge; f = weight(foreignKey) * log2(1 + 1).
    const w = DEFAULT_WEIGHTS.join * Math.log2(101);
    const f = DEFAULT_WEIGHTS.foreignKey * Math.log2(2);
    const m = 6 * w + f;
    const d = 6 * w + f; // each community: both ends of its 3 inside edges, plus one end of the seam
    expect(result.metrics.modularity).toBeCloseTo(2 * ((3 * w) / m - (d / (2 * m)) ** 2), 3);
    expect(result.contexts[0]!.evidence[0]).toMatch(/^a1: in the same statements as a[23] \(100 executions\)/);
    const cmp = comparePartitions(
      { contexts: Object.fromEntries(result.contexts.map((c) => [c.name, { tables: c.tables, modules: [], routes: [] }])), shared: [] },
      { contexts: { A: { tables: ['a1', 'a2', 'a3'], modules: [], routes: [] }, B: { tables: ['b1', 'b2', 'b3'], modules: [], routes: [] } }, shared: [] },
    );
    expect(cmp.tables.f1).toBe(1);
    expect(cmp.mojoFm).toBe(100);
  });
});
