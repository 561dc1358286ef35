/**
 * The streaming replication sub-protocol inside CopyBoth: XLogData ('w') and primary keepalive ('k') from the
 * server, standby status updates ('r') from us. Pure functions over buffers.
 */
import type { Lsn } from './lsn.ts';

export type ServerFrame =
  | { kind: 'xlog'; walStart: Lsn; walEnd: Lsn; data: Buffer }
  | { kind: 'keepalive'; walEnd: Lsn; replyRequested: boolean };

const PG_EPOCH_MS = 946_684_800_000n;

export function parseServerFrame(buf: Buffer): ServerFrame {
  const tag = String.fromCharCode(buf[0] ?? 0);
  if (tag === 'w') {
    if (buf.length < 25) throw new Error(`XLogData frame too short (${buf.length} bytes)`);
    return { kind: 'xlog', walStart: buf.readBigUInt64BE(1), walEnd: buf.readBigUInt64BE(9), data: buf.subarray(25) };
  }
  if (tag === 'k') {
    if (buf.length < 18) throw new Error(`keepalive frame too short (${buf.length} bytes)`);
    return { kind: 'keepalive', walEnd: buf.readBigUInt64BE(1), replyRequested: buf[17] === 1 };
  }
  throw new Error(`unknown replication frame '${tag}'`);
}

/** Standby status update: written = flushed = applied = `flushed` (only what the target committed). */
export function standbyStatusUpdate(flushed: Lsn, now = Date.now(), replyRequested = false): Buffer {
  const buf = Buffer.alloc(34);
  buf.write('r', 0);
  buf.writeBigUInt64BE(flushed, 1);
  buf.writeBigUInt64BE(flushed, 9);
  buf.writeBigUInt64BE(flushed, 17);
  buf.writeBigInt64BE((BigInt(now) - PG_EPOCH_MS) * 1000n, 25);
  buf.writeUInt8(replyRequested ? 1 : 0, 33);
  return buf;
}
