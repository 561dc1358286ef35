/** A worker thread of summarizeTraffic: reads the piece of a log it is given and posts what it counted. */
import { parentPort, workerData } from 'node:worker_threads';
import { initSqlParser, StatementParser } from '../sql/extract-tables.ts';
import { type PieceRequest, readPiece } from './read-piece.ts';

await initSqlParser();
const read = await readPiece(workerData as PieceRequest, new StatementParser());
parentPort!.postMessage(read);
