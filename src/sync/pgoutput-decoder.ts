/**
 * Decoder of the pgoutput logical replication protocol (protocol version 1, text-format tuples).
 * https://www.postgresql.org/docs/current/protocol-logicalrep-message-formats.html
 * Pure: bytes in, typed messages out. Relations are remembered so tuples can be named.
 */
import type { Lsn } from './lsn.ts';

export interface RelationColumn {
  name: string;
  /** Part of the replica identity (the key). */
  isKey: boolean;
  typeOid: number;
  typeMod: number;
}

export interface RelationMessage {
  tag: 'relation';
  relationId: number;
  schema: string;
  table: string;
  /** d = default (primary key), n = nothing, f = full, i = index */
  replicaIdentity: 'd' | 'n' | 'f' | 'i';
  columns: RelationColumn[];
}

/** A column value: text, null, or "unchanged TOASTed value" (keep the target's value). */
export type TupleValue = string | null | typeof UNCHANGED_TOAST;
export const UNCHANGED_TOAST: unique symbol = Symbol('unchanged-toast');
export type Tuple = TupleValue[];

export interface BeginMessage {
  tag: 'begin';
  /** LSN of the commit record: the transaction's position. */
  commitLsn: Lsn;
  commitTime: Date;
  xid: number;
}
export interface CommitMessage {
  tag: 'commit';
  flags: number;
  commitLsn: Lsn;
  /** End of the commit record: acknowledge this once applied. */
  endLsn: Lsn;
  commitTime: Date;
}
export interface OriginMessage {
  tag: 'origin';
  originLsn: Lsn;
  name: string;
}
export interface TypeMessage {
  tag: 'type';
  typeOid: number;
  schema: string;
  name: string;
}
export interface InsertMessage {
  tag: 'insert';
  relationId: number;
  relation: RelationMessage;
  newTuple: Tuple;
}
export interface UpdateMessage {
  tag: 'update';
  relationId: number;
  relation: RelationMessage;
  /** 'K': old key columns only (the key changed); 'O': whole old row (REPLICA IDENTITY FULL); absent otherwise. */
  oldKind?: 'K' | 'O';
  oldTuple?: Tuple;
  newTuple: Tuple;
}
export interface DeleteMessage {
  tag: 'delete';
  relationId: number;
  relation: RelationMessage;
  oldKind: 'K' | 'O';
  oldTuple: Tuple;
}
export interface TruncateMessage {
  tag: 'truncate';
  cascade: boolean;
  restartIdentity: boolean;
  relationIds: number[];
  relations: RelationMessage[];
}
export interface LogicalMessage {
  tag: 'message';
  transactional: boolean;
  lsn: Lsn;
  prefix: string;
  content: Buffer;
}

export type PgoutputMessage =
  | RelationMessage
  | BeginMessage
  | CommitMessage
  | OriginMessage
  | TypeMessage
  | InsertMessage
  | UpdateMessage
  | DeleteMessage
  | TruncateMessage
  | LogicalMessage;

export type ChangeMessage = InsertMessage | UpdateMessage | DeleteMessage | TruncateMessage;

/** Microseconds since 2000-01-01 UTC. */
const PG_EPOCH_MS = 946_684_800_000;

export class DecodeError extends Error {}

class Reader {
  offset = 0;
  constructor(readonly buf: Buffer) {}
  need(n: number): void {
    if (this.offset + n > this.buf.length) {
      throw new DecodeError(`pgoutput message truncated: needs ${n} byte(s) at offset ${this.offset} of ${this.buf.length}`);
    }
  }
  u8(): number {
    this.need(1);
    return this.buf.readUInt8(this.offset++);
  }
  i16(): number {
    this.need(2);
    const v = this.buf.readInt16BE(this.offset);
    this.offset += 2;
    return v;
  }
  i32(): number {
    this.need(4);
    const v = this.buf.readInt32BE(this.offset);
    this.offset += 4;
    return v;
  }
  u32(): number {
    this.need(4);
    const v = this.buf.readUInt32BE(this.offset);
    this.offset += 4;
    return v;
  }
  u64(): bigint {
    this.need(8);
    const v = this.buf.readBigUInt64BE(this.offset);
    this.offset += 8;
    return v;
  }
  time(): Date {
    this.need(8);
    const us = this.buf.readBigInt64BE(this.offset);
    this.offset += 8;
    return new Date(PG_EPOCH_MS + Number(us / 1000n));
  }
  cstring(): string {
    const end = this.buf.indexOf(0, this.offset);
    if (end < 0) throw new DecodeError(`pgoutput message: unterminated string at offset ${this.offset}`);
    const s = this.buf.toString('utf8', this.offset, end);
    this.offset = end + 1;
    return s;
  }
  bytes(n: number): Buffer {
    this.need(n);
    const b = this.buf.subarray(this.offset, this.offset + n);
    this.offset += n;
    return b;
  }
}

export class PgoutputDecoder {
  readonly relations = new Map<number, RelationMessage>();

  decode(buf: Buffer): PgoutputMessage {
    const r = new Reader(buf);
    const tag = String.fromCharCode(r.u8());
    switch (tag) {
      case 'B':
        return { tag: 'begin', commitLsn: r.u64(), commitTime: r.time(), xid: r.u32() };
      case 'C':
        return { tag: 'commit', flags: r.u8(), commitLsn: r.u64(), endLsn: r.u64(), commitTime: r.time() };
      case 'O':
        return { tag: 'origin', originLsn: r.u64(), name: r.cstring() };
      case 'Y':
        return { tag: 'type', typeOid: r.u32(), schema: r.cstring(), name: r.cstring() };
      case 'R': {
        const relationId = r.u32();
        const schema = r.cstring();
        const table = r.cstring();
        const replicaIdentity = String.fromCharCode(r.u8()) as RelationMessage['replicaIdentity'];
        const n = r.i16();
        const columns: RelationColumn[] = [];
        for (let i = 0; i < n; i++) {
          const flags = r.u8();
          columns.push({ isKey: (flags & 1) === 1, name: r.cstring(), typeOid: r.u32(), typeMod: r.i32() });
        }
        const rel: RelationMessage = { tag: 'relation', relationId, schema, table, replicaIdentity, columns };
        this.relations.set(relationId, rel);
        return rel;
      }
      case 'I': {
        const relationId = r.u32();
        const relation = this.relation(relationId);
        const kind = String.fromCharCode(r.u8());
        if (kind !== 'N') throw new DecodeError(`pgoutput Insert: expected 'N', got '${kind}'`);
        return { tag: 'insert', relationId, relation, newTuple: this.tuple(r) };
      }
      case 'U': {
        const relationId = r.u32();
        const relation = this.relation(relationId);
        let kind = String.fromCharCode(r.u8());
        let oldKind: 'K' | 'O' | undefined;
        let oldTuple: Tuple | undefined;
        if (kind === 'K' || kind === 'O') {
          oldKind = kind;
          oldTuple = this.tuple(r);
          kind = String.fromCharCode(r.u8());
        }
        if (kind !== 'N') throw new DecodeError(`pgoutput Update: expected 'N', got '${kind}'`);
        return { tag: 'update', relationId, relation, oldKind, oldTuple, newTuple: this.tuple(r) };
      }
      case 'D': {
        const relationId = r.u32();
        const relation = this.relation(relationId);
        const kind = String.fromCharCode(r.u8());
        if (kind !== 'K' && kind !== 'O') throw new DecodeError(`pgoutput Delete: expected 'K' or 'O', got '${kind}'`);
        return { tag: 'delete', relationId, relation, oldKind: kind, oldTuple: this.tuple(r) };
      }
      case 'T': {
        const n = r.u32();
        const options = r.u8();
        const relationIds: number[] = [];
        for (let i = 0; i < n; i++) relationIds.push(r.u32());
        return {
          tag: 'truncate',
          cascade: (options & 1) === 1,
          restartIdentity: (options & 2) === 2,
          relationIds,
          relations: relationIds.map((id) => this.relation(id)),
        };
      }
      case 'M': {
        const flags = r.u8();
        const lsn = r.u64();
        const prefix = r.cstring();
        const len = r.u32();
        return { tag: 'message', transactional: (flags & 1) === 1, lsn, prefix, content: Buffer.from(r.bytes(len)) };
      }
      default:
        throw new DecodeError(`pgoutput: unknown message type '${tag}' (0x${buf[0]?.toString(16)})`);
    }
  }

  private relation(id: number): RelationMessage {
    const rel = this.relations.get(id);
    if (!rel) throw new DecodeError(`pgoutput: change for relation ${id} before its Relation message`);
    return rel;
  }

  private tuple(r: Reader): Tuple {
    const n = r.i16();
    const values: Tuple = [];
    for (let i = 0; i < n; i++) {
      const kind = String.fromCharCode(r.u8());
      if (kind === 'n') values.push(null);
      else if (kind === 'u') values.push(UNCHANGED_TOAST);
      else if (kind === 't') values.push(r.bytes(r.u32()).toString('utf8'));
      else if (kind === 'b') throw new DecodeError('pgoutput: binary tuple values are not supported (use text format)');
      else throw new DecodeError(`pgoutput: unknown tuple value kind '${kind}'`);
    }
    return values;
  }
}

/** Names the values of a tuple by the relation's columns. */
export function tupleObject(relation: RelationMessage, tuple: Tuple): Record<string, TupleValue> {
  const out: Record<string, TupleValue> = {};
  relation.columns.forEach((c, i) => (out[c.name] = tuple[i] ?? null));
  return out;
}
