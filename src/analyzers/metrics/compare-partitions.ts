/**
 * Agreement of a proposed partition with a reference (ground truth): pairwise precision, recall and F1 (over
 * pairs of items placed together), computed separately for tables, modules and routes, on the items both know,
 * leaving out the reference's deliberately shared tables and modules. Also MoJoFM (Wen & Tzerpos) for tables.
 */
import type { Partition } from '../types.ts';

export interface PairwiseScore {
  precision: number;
  recall: number;
  f1: number;
  /** Items scored (known to both, not shared). */
  items: number;
}

export interface Comparison {
  tables: PairwiseScore;
  modules: PairwiseScore;
  routes: PairwiseScore;
  /** MoJoFM over tables, 0..100 (100 = identical). */
  mojoFm: number;
  /** Items of the reference the proposal does not know, and the reverse. */
  unknown: { inReference: string[]; inProposal: string[] };
}

type Kind = 'tables' | 'modules' | 'routes';

function assignment(p: Partition, kind: Kind): Map<string, string> {
  const out = new Map<string, string>();
  for (const [name, c] of Object.entries(p.contexts)) for (const item of c[kind]) out.set(item, name);
  return out;
}

export function pairwise(proposal: Map<string, string>, reference: Map<string, string>, excluded: Set<string>): PairwiseScore {
  const items = [...reference.keys()].filter((i) => proposal.has(i) && !excluded.has(i)).sort();
  let tp = 0;
  let fp = 0;
  let fn = 0;
  for (let i = 0; i < items.length; i++) {
    for (let j = i + 1; j < items.length; j++) {
      const together = proposal.get(items[i]!) === proposal.get(items[j]!);
      const truth = reference.get(items[i]!) === reference.get(items[j]!);
      if (together && truth) tp++;
      else if (together) fp++;
      else if (truth) fn++;
    }
  }
  const precision = tp + fp === 0 ? 1 : tp / (tp + fp);
  const recall = tp + fn === 0 ? 1 : tp / (tp + fn);
  const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
  return { precision, recall, f1, items: items.length };
}

/**
 * MoJoFM(A, B) = (1 - mno(A, B) / max mno(any A, B)) * 100, with mno computed by MoJo's greedy tag assignment
 * (each proposed cluster joins the reference group it shares most items with; moves = items outside their
 * group's majority, joins = groups spread over several clusters minus one).
 */
export function mojoFm(proposal: Map<string, string>, reference: Map<string, string>, excluded: Set<string>): number {
  const items = [...reference.keys()].filter((i) => proposal.has(i) && !excluded.has(i));
  if (items.length === 0) return 100;
  const clusters = new Map<string, string[]>();
  for (const i of items) (clusters.get(proposal.get(i)!) ?? clusters.set(proposal.get(i)!, []).get(proposal.get(i)!)!).push(i);
  let moves = 0;
  const groupsUsed = new Map<string, number>();
  for (const members of clusters.values()) {
    const counts = new Map<string, number>();
    for (const m of members) counts.set(reference.get(m)!, (counts.get(reference.get(m)!) ?? 0) + 1);
    const [tag, best] = [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0]!;
    moves += members.length - best;
    groupsUsed.set(tag, (groupsUsed.get(tag) ?? 0) + 1);
  }
  const joins = [...groupsUsed.values()].reduce((n, k) => n + (k - 1), 0);
  const mno = moves + joins;
  const groups = new Set(items.map((i) => reference.get(i)!)).size;
  const maxMno = items.length - groups;
  return maxMno <= 0 ? (mno === 0 ? 100 : 0) : Math.max(0, (1 - mno / maxMno) * 100);
}

export function comparePartitions(proposal: Partition, reference: Partition): Comparison {
  const sharedTables = new Set(reference.shared);
  const sharedModules = new Set(reference.sharedModules ?? []);
  const score = (kind: Kind, excluded: Set<string>) => pairwise(assignment(proposal, kind), assignment(reference, kind), excluded);
  const refTables = assignment(reference, 'tables');
  const propTables = assignment(proposal, 'tables');
  return {
    tables: score('tables', sharedTables),
    modules: score('modules', sharedModules),
    routes: score('routes', new Set()),
    mojoFm: mojoFm(propTables, refTables, sharedTables),
    unknown: {
      inReference: [...refTables.keys()].filter((t) => !propTables.has(t) && !sharedTables.has(t)).sort(),
      inProposal: [...propTables.keys()].filter((t) => !refTables.has(t) && !sharedTables.has(t)).sort(),
    },
  };
}
