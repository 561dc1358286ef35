/**
 * Groups decoded changes of many source transactions into target batches. A batch normally ends on a
 * transaction boundary (`sealComplete`), so its checkpoint and acknowledgement cover whole transactions; a
 * transaction larger than a batch is split (`sealAll`), and the slot is then acknowledged only up to the last
 * whole transaction before it. Pure: no I/O, no clock.
 */
import type { Lsn, Position } from './lsn.ts';
import type { RowChange } from './row-change.ts';

export interface SealedBatch {
  changes: RowChange[];
  /** Position of the last change; null when the batch only acknowledges transactions without changes to apply. */
  upTo: Position | null;
  /** End LSN of the last whole transaction in the batch: safe to acknowledge once the batch is committed. */
  ackTo: Lsn | null;
  /** The batch ends on a transaction boundary. */
  endsAtCommit: boolean;
  /** Commit time of the last whole transaction in the batch. */
  commitTime: Date | null;
}

export class BatchBuilder {
  private changes: RowChange[] = [];
  /** How many of `changes` belong to whole (committed) transactions. */
  private complete = 0;
  private ackTo: Lsn | null = null;
  private commitTime: Date | null = null;

  /** Changes held, whole transactions and the open one. */
  get size(): number {
    return this.changes.length;
  }

  /** Nothing held: no change, no transaction waiting to be acknowledged. */
  get isEmpty(): boolean {
    return this.changes.length === 0 && this.ackTo === null;
  }

  /** Whole transactions are waiting (with or without changes). */
  get hasComplete(): boolean {
    return this.ackTo !== null;
  }

  add(change: RowChange): void {
    this.changes.push(change);
  }

  /** The open transaction committed: its changes are now whole. */
  commit(endLsn: Lsn, commitTime: Date): void {
    this.complete = this.changes.length;
    this.ackTo = endLsn;
    this.commitTime = commitTime;
  }

  /** Seals the whole transactions held; the open transaction's changes stay. */
  sealComplete(): SealedBatch | null {
    if (this.ackTo === null) return null;
    const changes = this.complete === this.changes.length ? this.changes : this.changes.slice(0, this.complete);
    const rest = this.complete === this.changes.length ? [] : this.changes.slice(this.complete);
    const batch = this.batch(changes, true);
    this.changes = rest;
    return batch;
  }

  /** Seals everything held, including the open transaction's changes so far (a transaction too large for one batch). */
  sealAll(): SealedBatch | null {
    if (this.isEmpty) return null;
    const endsAtCommit = this.complete === this.changes.length;
    const batch = this.batch(this.changes, endsAtCommit);
    this.changes = [];
    return batch;
  }

  private batch(changes: RowChange[], endsAtCommit: boolean): SealedBatch {
    const batch: SealedBatch = {
      changes,
      upTo: changes.length ? changes[changes.length - 1]!.position : null,
      ackTo: this.ackTo,
      endsAtCommit,
      commitTime: this.commitTime,
    };
    this.complete = 0;
    this.ackTo = null;
    this.commitTime = null;
    return batch;
  }
}
