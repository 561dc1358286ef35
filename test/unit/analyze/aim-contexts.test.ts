import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { mergeContexts, proposePartition, type Proposal } from '../../../src/analyzers/cluster/propose-partition.ts';
import { addEvidence, addNode, buildCouplingGraph, DEFAULT_WEIGHTS, emptyGraph } from '../../../src/analyzers/graph/coupling-graph.ts';
import { summarizeTraffic } from '../../../src/analyzers/logs/summarize-traffic.ts';
import { readSchemaDump } from '../../../src/analyzers/schema/read-schema-dump.ts';
import { SAMPLE_ROOT } from '../../../src/commands/analyze.ts';

const options = { weights: DEFAULT_WEIGHTS, resolution: 1.5, seed: 42 };
const withTables = (p: Proposal) => new Set([...p.community].filter(([id]) => id.startsWith('table:')).map(([, c]) => c)).size;
const together = (p: Proposal, a: string, b: string) => p.community.get(`table:${a}`) === p.community.get(`table:${b}`);

describe('--contexts N', () => {
  it('merges the two contexts most tied to each other for their size, one pair at a time', () => {
    const g = emptyGraph();
    const groups = { a: ['a1', 'a2'], b: ['b1', 'b2'], c: ['c1', 'c2'], d: ['d1', 'd2'] };
    for (const tables of Object.values(groups)) {
      for (const t of tables) addNode(g, 'table', t);
      addEvidence(g, `table:${tables[0]}`, `table:${tables[1]}`, { kind: 'transaction', count: 50, writes: true, strength: 1 });
    }
    addEvidence(g, 'table:a1', 'table:b1', { kind: 'join', count: 40, strength: 0.8 });
    addEvidence(g, 'table:c1', 'table:d1', { kind: 'join', count: 2, strength: 0.05 });
    const community = new Map(Object.values(groups).flatMap((tables, i) => tables.map((t) => [`table:${t}`, i] as const)));
    const natural: Proposal = { community, count: 4, hubs: new Set(), resolution: 1 };
    const three = mergeContexts(g, natural, 3, options);
    expect(withTables(three)).toBe(3);
    expect(together(three, 'a1', 'b2')).toBe(true);
    expect(together(three, 'c1', 'd1')).toBe(false);
    const two = mergeContexts(g, natural, 2, options);
    expect(together(two, 'c1', 'd2')).toBe(true);
    expect(together(two, 'a1', 'c1')).toBe(false);
  });

  it('gives the number asked for on the sample when it is below the natural one, and the closest above it', async () => {
    const traffic = await summarizeTraffic({ files: [path.join(SAMPLE_ROOT, 'logs/comments-off/postgresql.csv.gz')] });
    const schema = await readSchemaDump(path.join(SAMPLE_ROOT, 'schema.sql'));
    const g = buildCouplingGraph({ traffic, schema });
    const natural = withTables(proposePartition(g, options));
    for (const want of [4, 6, natural - 1]) expect(withTables(proposePartition(g, { ...options, contexts: want }))).toBe(want);
    expect(withTables(proposePartition(g, { ...options, contexts: natural }))).toBe(natural);
    expect(withTables(proposePartition(g, { ...options, contexts: natural + 2 }))).toBeGreaterThanOrEqual(natural);
  });
});
