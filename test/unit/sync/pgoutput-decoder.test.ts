import { describe, expect, it } from 'vitest';
import { formatLsn, parseLsn, comparePositions } from '../../../src/sync/lsn.ts';
import { DecodeError, PgoutputDecoder, UNCHANGED_TOAST, tupleObject } from '../../../src/sync/pgoutput-decoder.ts';
import { parseServerFrame, standbyStatusUpdate } from '../../../src/sync/replication-protocol.ts';

// Byte fixtures written by hand from the protocol documentation (protocol-logicalrep-message-formats).
const u8 = (n: number) => Buffer.from([n]);
const i16 = (n: number) => { const b = Buffer.alloc(2); b.writeInt16BE(n); return b; };
const i32 = (n: number) => { const b = Buffer.alloc(4); b.writeInt32BE(n); return b; };
const u64 = (n: bigint) => { const b = Buffer.alloc(8); b.writeBigUInt64BE(n); return b; };
const str = (s: string) => Buffer.concat([Buffer.from(s, 'utf8'), u8(0)]);
const ch = (c: string) => Buffer.from(c, 'latin1');
const text = (s: string) => Buffer.concat([ch('t'), i32(Buffer.byteLength(s)), Buffer.from(s, 'utf8')]);
const cat = (...parts: Buffer[]) => Buffer.concat(parts);

const relation = cat(
  ch('R'), i32(16385), str('public'), str('items'), ch('d'), i16(3),
  u8(1), str('id'), i32(23), i32(-1),
  u8(0), str('name'), i32(25), i32(-1),
  u8(0), str('doc'), i32(3802), i32(-1),
);

describe('pgoutput decoder', () => {
  it('decodes Begin and Commit with LSNs, xid and times', () => {
    const d = new PgoutputDecoder();
    // 2000-01-01 + 1 second = 946684801000 ms
    const begin = d.decode(cat(ch('B'), u64(0x16b374d848n), u64(1_000_000n), i32(742)));
    expect(begin).toEqual({ tag: 'begin', commitLsn: 0x16b374d848n, commitTime: new Date(946_684_801_000), xid: 742 });
    const commit = d.decode(cat(ch('C'), u8(0), u64(0x10n), u64(0x40n), u64(2_000_000n)));
    expect(commit).toMatchObject({ tag: 'commit', commitLsn: 0x10n, endLsn: 0x40n });
  });

  it('decodes Relation then Insert/Update/Delete with named values, nulls and unchanged TOAST', () => {
    const d = new PgoutputDecoder();
    const rel = d.decode(relation);
    expect(rel).toMatchObject({ tag: 'relation', schema: 'public', table: 'items', replicaIdentity: 'd' });
    if (rel.tag !== 'relation') throw new Error('expected relation');
    expect(rel.columns.map((c) => [c.name, c.isKey, c.typeOid])).toEqual([['id', true, 23], ['name', false, 25], ['doc', false, 3802]]);

    const ins = d.decode(cat(ch('I'), i32(16385), ch('N'), i16(3), text('1'), text('héllo'), ch('n')));
    if (ins.tag !== 'insert') throw new Error('expected insert');
    expect(tupleObject(ins.relation, ins.newTuple)).toEqual({ id: '1', name: 'héllo', doc: null });

    const upd = d.decode(cat(ch('U'), i32(16385), ch('K'), i16(3), text('1'), ch('n'), ch('n'), ch('N'), i16(3), text('2'), text('x'), ch('u')));
    expect(upd).toMatchObject({ tag: 'update', oldKind: 'K', oldTuple: ['1', null, null], newTuple: ['2', 'x', UNCHANGED_TOAST] });

    const plainUpd = d.decode(cat(ch('U'), i32(16385), ch('N'), i16(3), text('2'), text('y'), text('{}')));
    expect(plainUpd).toMatchObject({ tag: 'update', oldKind: undefined, newTuple: ['2', 'y', '{}'] });

    const del = d.decode(cat(ch('D'), i32(16385), ch('O'), i16(3), text('2'), text('y'), text('{}')));
    expect(del).toMatchObject({ tag: 'delete', oldKind: 'O', oldTuple: ['2', 'y', '{}'] });
  });

  it('decodes Truncate with options, Type, Origin and logical Message', () => {
    const d = new PgoutputDecoder();
    d.decode(relation);
    const t = d.decode(cat(ch('T'), i32(1), u8(3), i32(16385)));
    expect(t).toMatchObject({ tag: 'truncate', cascade: true, restartIdentity: true, relationIds: [16385] });
    expect(d.decode(cat(ch('Y'), i32(16400), str('public'), str('mood')))).toEqual({ tag: 'type', typeOid: 16400, schema: 'public', name: 'mood' });
    expect(d.decode(cat(ch('O'), u64(0x99n), str('strangler_reverse')))).toEqual({ tag: 'origin', originLsn: 0x99n, name: 'strangler_reverse' });
    const m = d.decode(cat(ch('M'), u8(0), u64(0x77n), str('strangler.heartbeat'), i32(2), Buffer.from('hi')));
    expect(m).toMatchObject({ tag: 'message', transactional: false, lsn: 0x77n, prefix: 'strangler.heartbeat' });
    if (m.tag === 'message') expect(m.content.toString()).toBe('hi');
  });

  it('a new Relation message for the same id replaces the columns (schema change)', () => {
    const d = new PgoutputDecoder();
    d.decode(relation);
    d.decode(cat(ch('R'), i32(16385), str('public'), str('items'), ch('d'), i16(1), u8(1), str('id'), i32(23), i32(-1)));
    expect(d.relations.get(16385)?.columns.map((c) => c.name)).toEqual(['id']);
  });

  it('rejects bad input: unknown tag, truncated message, change before relation, unknown tuple kind', () => {
    const d = new PgoutputDecoder();
    expect(() => d.decode(ch('Z'))).toThrow(/unknown message type 'Z'/);
    expect(() => d.decode(cat(ch('B'), u64(1n)))).toThrow(DecodeError);
    expect(() => d.decode(cat(ch('I'), i32(5), ch('N'), i16(0)))).toThrow(/before its Relation/);
    d.decode(relation);
    expect(() => d.decode(cat(ch('I'), i32(16385), ch('N'), i16(1), ch('x')))).toThrow(/unknown tuple value kind/);
    expect(() => d.decode(cat(ch('I'), i32(16385), ch('N'), i16(1), ch('t'), i32(10), Buffer.from('ab')))).toThrow(/truncated/);
    expect(() => d.decode(cat(ch('R'), i32(1), Buffer.from('public')))).toThrow(/unterminated/);
  });
});

describe('LSN and positions', () => {
  it('round-trips LSN text and orders positions by (commit LSN, index)', () => {
    expect(formatLsn(parseLsn('16/B374D848'))).toBe('16/B374D848');
    expect(parseLsn('0/0')).toBe(0n);
    expect(() => parseLsn('nope')).toThrow(/not an LSN/);
    expect(comparePositions({ commitLsn: 5n, index: 9 }, { commitLsn: 6n, index: 0 })).toBeLessThan(0);
    expect(comparePositions({ commitLsn: 6n, index: 2 }, { commitLsn: 6n, index: 1 })).toBeGreaterThan(0);
    expect(comparePositions({ commitLsn: 6n, index: 1 }, { commitLsn: 6n, index: 1 })).toBe(0);
  });
});

describe('replication frames', () => {
  it('parses XLogData and keepalive, writes standby status updates', () => {
    const x = parseServerFrame(cat(ch('w'), u64(10n), u64(20n), u64(0n), Buffer.from('B')));
    expect(x).toMatchObject({ kind: 'xlog', walStart: 10n, walEnd: 20n });
    if (x.kind === 'xlog') expect(x.data.toString()).toBe('B');
    expect(parseServerFrame(cat(ch('k'), u64(30n), u64(0n), u8(1)))).toEqual({ kind: 'keepalive', walEnd: 30n, replyRequested: true });
    expect(() => parseServerFrame(cat(ch('k'), u64(30n)))).toThrow(/too short/);
    expect(() => parseServerFrame(ch('q'))).toThrow(/unknown replication frame/);
    const s = standbyStatusUpdate(0x1234n, 946_684_800_000 + 5);
    expect(s.length).toBe(34);
    expect(s.toString('latin1', 0, 1)).toBe('r');
    expect(s.readBigUInt64BE(1)).toBe(0x1234n);
    expect(s.readBigUInt64BE(9)).toBe(0x1234n);
    expect(s.readBigInt64BE(25)).toBe(5000n);
  });
});
