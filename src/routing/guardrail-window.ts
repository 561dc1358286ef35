/**
 * A sliding window of one upstream's answers (pure, clock passed in): one-second slots of counts, 5xx counts and
 * a log-spaced latency histogram, plus running totals over the live slots, so recording is O(1) and reading the
 * 5xx rate and p99 over the last N seconds is O(slots + histogram buckets).
 */

/** Latency bucket upper bounds, milliseconds: 0.1 ms .. ~100 s, 8 buckets per doubling. */
const BOUNDS: number[] = Array.from({ length: 160 }, (_, i) => 0.1 * 2 ** (i / 8));

function boundIndex(ms: number): number {
  if (ms <= BOUNDS[0]!) return 0;
  return Math.min(Math.ceil(8 * Math.log2(ms / 0.1)), BOUNDS.length - 1);
}

interface Slot {
  /** The second it holds, or -1 when it holds nothing counted in the totals. */
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
  private readonly slots: Slot[];
  private count = 0;
  private errors = 0;
  private readonly latency = new Uint32Array(BOUNDS.length);

  constructor(windowSeconds: number) {
    this.slots = Array.from({ length: Math.max(1, Math.ceil(windowSeconds)) }, () => ({ at: -1, count: 0, errors: 0, latency: new Uint32Array(BOUNDS.length) }));
  }

  private drop(slot: Slot): void {
    if (slot.at < 0) return;
    this.count -= slot.count;
    this.errors -= slot.errors;
    for (let i = 0; i < BOUNDS.length; i++) this.latency[i]! -= slot.latency[i]!;
    slot.at = -1;
    slot.count = 0;
    slot.errors = 0;
    slot.latency.fill(0);
  }

  private expire(sec: number): void {
    for (const s of this.slots) if (s.at >= 0 && sec - s.at >= this.slots.length) this.drop(s);
  }

  record(nowMs: number, latencyMs: number, isError: boolean): void {
    const sec = Math.floor(nowMs / 1000);
    const slot = this.slots[sec % this.slots.length]!;
    if (slot.at !== sec) {
      this.drop(slot);
      slot.at = sec;
    }
    const b = boundIndex(latencyMs);
    slot.count++;
    slot.latency[b]!++;
    this.count++;
    this.latency[b]!++;
    if (isError) {
      slot.errors++;
      this.errors++;
    }
  }

  summary(nowMs: number): WindowSummary {
    this.expire(Math.floor(nowMs / 1000));
    return { count: this.count, errors: this.errors, errorRate: this.count ? this.errors / this.count : 0, p99: quantile(this.latency, this.count, 0.99) };
  }

  clear(): void {
    for (const s of this.slots) this.drop(s);
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
