/**
 * A sliding window of one upstream's answers (pure, clock passed in): one-second buckets of counts, 5xx counts and
 * a log-spaced latency histogram, so the 5xx rate and p99 over the last N seconds cost O(buckets) to read and
 * nothing to record.
 */

/** Latency bucket upper bounds, milliseconds: 0.1 ms .. ~100 s, 8 buckets per doubling. */
const BOUNDS: number[] = Array.from({ length: 160 }, (_, i) => 0.1 * 2 ** (i / 8));

function boundIndex(ms: number): number {
  if (ms <= BOUNDS[0]!) return 0;
  const i = Math.ceil(8 * Math.log2(ms / 0.1));
  return Math.min(i, BOUNDS.length - 1);
}

interface Second {
  at: number;
  count: number;
  errors: number;
  latency: Uint32Array;
}

export interface WindowSummary {
  count: number;
  errors: number;
  errorRate: number;
  /** Milliseconds; 0 when the window is empty. */
  p99: number;
}

export class GuardrailWindow {
  private readonly seconds: Second[];

  constructor(private readonly windowSeconds: number) {
    this.seconds = Array.from({ length: Math.max(1, Math.ceil(windowSeconds)) }, () => ({ at: -1, count: 0, errors: 0, latency: new Uint32Array(BOUNDS.length) }));
  }

  record(nowMs: number, latencyMs: number, isError: boolean): void {
    const sec = Math.floor(nowMs / 1000);
    const slot = this.seconds[sec % this.seconds.length]!;
    if (slot.at !== sec) {
      slot.at = sec;
      slot.count = 0;
      slot.errors = 0;
      slot.latency.fill(0);
    }
    slot.count++;
    if (isError) slot.errors++;
    slot.latency[boundIndex(latencyMs)]!++;
  }

  summary(nowMs: number): WindowSummary {
    const sec = Math.floor(nowMs / 1000);
    const merged = new Uint32Array(BOUNDS.length);
    let count = 0;
    let errors = 0;
    for (const s of this.seconds) {
      if (s.at < 0 || sec - s.at >= this.seconds.length) continue;
      count += s.count;
      errors += s.errors;
      for (let i = 0; i < merged.length; i++) merged[i]! += s.latency[i]!;
    }
    return { count, errors, errorRate: count ? errors / count : 0, p99: quantile(merged, count, 0.99) };
  }

  clear(): void {
    for (const s of this.seconds) s.at = -1;
  }
}

function quantile(hist: Uint32Array, count: number, q: number): number {
  if (count === 0) return 0;
  const rank = Math.ceil(q * count);
  let seen = 0;
  for (let i = 0; i < hist.length; i++) {
    seen += hist[i]!;
    if (seen >= rank) return BOUNDS[i]!;
  }
  return BOUNDS[BOUNDS.length - 1]!;
}
