/**
 * START_REPLICATION on a `replication=database` connection, driven through pg + pg-copy-streams' CopyBoth
 * stream: frames in, standby status updates out. Nothing is acknowledged unless the caller says so.
 */
import type { Duplex } from 'node:stream';
import type pg from 'pg';
import copyStreams from 'pg-copy-streams';
import { connect, quoteIdent } from '../adapters/postgres.ts';
import { formatLsn, type Lsn } from './lsn.ts';
import { parseServerFrame, standbyStatusUpdate, type ServerFrame } from './replication-protocol.ts';

const { both } = copyStreams as unknown as { both(text: string, options?: { alignOnCopyDataFrame?: boolean; readableObjectMode?: boolean; readableHighWaterMark?: number }): Duplex & pg.Submittable };

export class ReplicationStream {
  private closed = false;
  private constructor(
    private readonly client: pg.Client,
    private readonly stream: Duplex,
  ) {}

  /** `onlyLocalOrigin`: ask the server (PostgreSQL 16+) to leave out transactions that carry a replication origin. */
  static async start(url: string, slot: string, publication: string, startLsn: Lsn = 0n, onlyLocalOrigin = false): Promise<ReplicationStream> {
    const client = await connect(url, { role: 'monolith', replication: true, applicationName: 'strangler-sync' });
    const publicationList = quoteIdent(publication).replace(/'/g, "''");
    const stream = client.query(
      both(
        `START_REPLICATION SLOT ${quoteIdent(slot)} LOGICAL ${formatLsn(startLsn)} ` +
          `(proto_version '1', publication_names '${publicationList}', messages 'true'${onlyLocalOrigin ? ", origin 'none'" : ''})`,
        // one chunk per CopyData frame: in byte mode, reads would glue frames together
        { alignOnCopyDataFrame: true, readableObjectMode: true, readableHighWaterMark: 1024 },
      ),
    ) as unknown as Duplex;
    const rs = new ReplicationStream(client, stream);
    stream.on('error', () => {});
    return rs;
  }

  /** Frames received but not yet read: 0 means we are caught up with what the server sent. */
  get buffered(): number {
    return this.stream.readableLength;
  }

  async *frames(): AsyncGenerator<ServerFrame> {
    for await (const chunk of this.stream) yield parseServerFrame(chunk as Buffer);
  }

  /** Tells the server that everything up to `flushed` is durably applied. */
  sendStatus(flushed: Lsn, replyRequested = false): void {
    if (this.closed || this.stream.destroyed || !this.stream.writable) return;
    this.stream.write(standbyStatusUpdate(flushed, Date.now(), replyRequested));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const socket = (this.client as unknown as { connection?: { stream?: { destroy(): void } } }).connection?.stream;
    socket?.destroy();
    this.stream.destroy();
    await Promise.race([this.client.end().catch(() => {}), new Promise((r) => setTimeout(r, 1000))]);
  }
}
