import { describe, expect, it } from 'vitest';
import { BatchBuilder } from '../../../src/sync/batch-builder.ts';
import type { RowChange } from '../../../src/sync/row-change.ts';

const at = (commitLsn: bigint, index: number): RowChange => ({
  op: 'insert',
  table: 'public.items',
  before: null,
  after: { id: `${commitLsn}-${index}` },
  position: { commitLsn, index },
  xid: Number(commitLsn),
  commitTime: new Date(Number(commitLsn)),
});

describe('BatchBuilder', () => {
  it('groups several whole transactions into one batch acknowledged up to the last end LSN', () => {
    const b = new BatchBuilder();
    b.add(at(100n, 0));
    b.add(at(100n, 1));
    b.commit(110n, new Date(100));
    b.add(at(200n, 0));
    b.commit(210n, new Date(200));
    const batch = b.sealComplete()!;
    expect(batch.changes.map((c) => c.position)).toEqual([
      { commitLsn: 100n, index: 0 },
      { commitLsn: 100n, index: 1 },
      { commitLsn: 200n, index: 0 },
    ]);
    expect(batch.upTo).toEqual({ commitLsn: 200n, index: 0 });
    expect(batch.ackTo).toBe(210n);
    expect(batch.endsAtCommit).toBe(true);
    expect(batch.commitTime).toEqual(new Date(200));
    expect(b.isEmpty).toBe(true);
    expect(b.sealComplete()).toBeNull();
  });

  it('leaves the open transaction out of a batch of whole transactions', () => {
    const b = new BatchBuilder();
    b.add(at(100n, 0));
    b.commit(110n, new Date(100));
    b.add(at(200n, 0));
    const batch = b.sealComplete()!;
    expect(batch.changes).toHaveLength(1);
    expect(batch.upTo).toEqual({ commitLsn: 100n, index: 0 });
    expect(batch.ackTo).toBe(110n);
    expect(b.size).toBe(1);
    expect(b.hasComplete).toBe(false);
    expect(b.sealComplete()).toBeNull();
    b.commit(210n, new Date(200));
    expect(b.sealComplete()!.changes.map((c) => c.position)).toEqual([{ commitLsn: 200n, index: 0 }]);
  });

  it('splits a large transaction: the part sealed early acknowledges only the whole transactions before it', () => {
    const b = new BatchBuilder();
    b.add(at(100n, 0));
    b.commit(110n, new Date(100));
    b.add(at(200n, 0));
    b.add(at(200n, 1));
    const first = b.sealAll()!;
    expect(first.changes).toHaveLength(3);
    expect(first.upTo).toEqual({ commitLsn: 200n, index: 1 });
    expect(first.ackTo).toBe(110n);
    expect(first.endsAtCommit).toBe(false);
    b.add(at(200n, 2));
    const second = b.sealAll()!;
    expect(second.ackTo).toBeNull();
    expect(second.endsAtCommit).toBe(false);
    b.add(at(200n, 3));
    b.commit(210n, new Date(200));
    const last = b.sealAll()!;
    expect(last.changes.map((c) => c.position.index)).toEqual([3]);
    expect(last.ackTo).toBe(210n);
    expect(last.endsAtCommit).toBe(true);
  });

  it('acknowledges transactions without changes to apply, in order with the batch they close', () => {
    const b = new BatchBuilder();
    b.commit(110n, new Date(100));
    expect(b.isEmpty).toBe(false);
    expect(b.hasComplete).toBe(true);
    b.commit(120n, new Date(110));
    const batch = b.sealComplete()!;
    expect(batch.changes).toEqual([]);
    expect(batch.upTo).toBeNull();
    expect(batch.ackTo).toBe(120n);
    expect(b.sealAll()).toBeNull();
  });
});
