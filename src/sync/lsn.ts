/** PostgreSQL WAL positions (LSN) as bigint: '16/B374D848' <-> 0x16B374D848n. */
export type Lsn = bigint;

export function parseLsn(text: string): Lsn {
  const m = /^([0-9A-Fa-f]{1,8})\/([0-9A-Fa-f]{1,8})$/.exec(text.trim());
  if (!m) throw new Error(`not an LSN: "${text}"`);
  return (BigInt(`0x${m[1]}`) << 32n) | BigInt(`0x${m[2]}`);
}

export function formatLsn(lsn: Lsn): string {
  return `${(lsn >> 32n).toString(16).toUpperCase()}/${(lsn & 0xffffffffn).toString(16).toUpperCase()}`;
}

/** A resume position: several rows can share one commit LSN, so the index inside the transaction is part of it. */
export interface Position {
  commitLsn: Lsn;
  index: number;
}

export function comparePositions(a: Position, b: Position): number {
  if (a.commitLsn !== b.commitLsn) return a.commitLsn < b.commitLsn ? -1 : 1;
  return a.index - b.index;
}

export const ZERO_POSITION: Position = { commitLsn: 0n, index: -1 };
