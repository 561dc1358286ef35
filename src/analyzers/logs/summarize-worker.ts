/**
 * A worker thread of summarizeTraffic: reads the pieces of logs it is sent, one at a time, and posts what it
 * counted in each; a `null` message ends it.
 */
import { parentPort } from 'node:worker_threads';
import { initSqlParser, StatementParser } from '../sql/extract-tables.ts';
import { type PieceRequest, readPiece } from './read-piece.ts';

await initSqlParser();
const parser = new StatementParser();
const port = parentPort!;
port.on('message', (request: PieceRequest | null) => {
  if (request === null) return port.close();
  readPiece(request, parser).then(
    (read) => port.postMessage({ read }),
    (e: unknown) => port.postMessage({ error: e instanceof Error ? e.message : String(e) }),
  );
});
