import { describe, expect, it } from 'vitest';
import { databaseEntropy, structuralModularity } from '../../../src/analyzers/metrics/structural-metrics.ts';

describe('structural modularity (hand-computed)', () => {
  it('rewards cohesion inside contexts and penalizes edges between them', () => {
    // A = {a1,a2,a3} with edges a1-a2, a2-a3; B = {b1,b2} with edge b1-b2; one edge a1-b1 between them.
    // cohesion = (2/9 + 1/4) / 2 = 0.236111; coupling = (1 / (2*3*2)) / 1 = 0.083333; SM = 0.152778.
    const ctx = new Map([['a1', 'A'], ['a2', 'A'], ['a3', 'A'], ['b1', 'B'], ['b2', 'B']]);
    const edges = [{ a: 'a1', b: 'a2' }, { a: 'a2', b: 'a3' }, { a: 'b1', b: 'b2' }, { a: 'a1', b: 'b1' }];
    expect(structuralModularity(ctx, edges)).toBeCloseTo(2 / 9 / 2 + 1 / 4 / 2 - 1 / 12, 6);
    // Moving a3 into B breaks cohesion: the score drops.
    expect(structuralModularity(new Map([...ctx, ['a3', 'B']]), edges)).toBeLessThan(structuralModularity(ctx, edges));
  });
  it('is the plain cohesion for one context and 0 for none', () => {
    expect(structuralModularity(new Map([['x', 'A'], ['y', 'A']]), [{ a: 'x', b: 'y' }])).toBeCloseTo(1 / 4, 6);
    expect(structuralModularity(new Map(), [])).toBe(0);
  });
});

describe('database entropy (hand-computed)', () => {
  it('is 0 when each table is used from one context and 1 when evenly spread over all', () => {
    expect(databaseEntropy([{ table: 't', context: 'A', weight: 3 }, { table: 'u', context: 'B', weight: 1 }], 2)).toBe(0);
    expect(databaseEntropy([{ table: 't', context: 'A', weight: 1 }, { table: 't', context: 'B', weight: 1 }], 2)).toBe(1);
  });
  it('averages the normalized entropy over tables', () => {
    // t: 3/4 from A, 1/4 from B over 4 contexts: H = 0.811278 / log2(4) = 0.405639; u: one context, 0. Mean 0.202820.
    const h = databaseEntropy([{ table: 't', context: 'A', weight: 3 }, { table: 't', context: 'B', weight: 1 }, { table: 'u', context: 'C', weight: 2 }], 4);
    expect(h).toBeCloseTo((-(0.75 * Math.log2(0.75)) - 0.25 * Math.log2(0.25)) / 2 / 2, 6);
  });
});
