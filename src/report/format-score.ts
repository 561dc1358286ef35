/** A pairwise F1 for the reports; "n/a" when fewer than two items are known to both sides (no pairs to score). */
import type { PairwiseScore } from '../analyzers/metrics/compare-partitions.ts';

export function f1Text(score: PairwiseScore): string {
  return score.items < 2 ? 'n/a (not in the inputs)' : score.f1.toFixed(3);
}
