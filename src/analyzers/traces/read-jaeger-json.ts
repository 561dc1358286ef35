/**
 * Jaeger JSON exports: `{"data":[{"traceID", "spans":[...], "processes":{...}}]}`, as Jaeger's query API
 * (`/api/traces`) and the UI's "Download JSON" give them. One document, possibly far larger than memory: it is
 * read as a stream, one trace of `data` at a time (json-array-items.ts cuts them out, JSON.parse reads each). A span's kind is its `span.kind` tag; its parent
 * is its first CHILD_OF reference (else its first reference, else the older `parentSpanID`).
 */
import type { TextSource } from '../logs/read-text.ts';
import type { ReaderStats } from '../logs/reader-types.ts';
import { ownCopy } from '../own-copy.ts';
import { jsonArrayItems, type ArrayItemsResult } from './json-array-items.ts';
import { spanFields, type TraceSpan } from './trace-span.ts';

interface JaegerTag {
  key: string;
  value?: unknown;
}
interface JaegerSpan {
  traceID?: string;
  spanID?: string;
  parentSpanID?: string;
  references?: { refType?: string; spanID?: string }[];
  startTime?: number;
  tags?: JaegerTag[];
}
interface JaegerTrace {
  traceID?: string;
  spans?: JaegerSpan[];
}

function parentOf(span: JaegerSpan): string | undefined {
  const refs = span.references ?? [];
  const ref = refs.find((r) => r.refType === 'CHILD_OF') ?? refs[0];
  return ref?.spanID ?? (span.parentSpanID && !/^0+$/.test(span.parentSpanID) ? span.parentSpanID : undefined);
}

function toSpan(span: JaegerSpan, traceId: string | undefined, file: string): TraceSpan | undefined {
  const trace = span.traceID ?? traceId;
  if (!trace || !span.spanID) return undefined;
  const tags = span.tags ?? [];
  const get = (key: string) => {
    const v = tags.find((t) => t.key === key)?.value;
    return v === undefined || v === null ? undefined : String(v);
  };
  const parent = parentOf(span);
  return {
    traceId: ownCopy(trace),
    spanId: ownCopy(span.spanID),
    ...(parent ? { parentId: ownCopy(parent) } : {}),
    start: typeof span.startTime === 'number' ? span.startTime : 0,
    ...spanFields(get, get('span.kind') === 'server'),
    source: { file, line: 0 },
  };
}

/** The spans of each trace of `data`, one batch per trace. Damage ends the reading with a warning. */
export async function* readJaegerJson(source: TextSource, file: string, stats: ReaderStats): AsyncGenerator<TraceSpan[]> {
  const result: ArrayItemsResult = { complete: false, found: false };
  let index = -1;
  for await (const text of jsonArrayItems(source.chunks, 'data', result)) {
    index++;
    let trace: JaegerTrace | undefined;
    try {
      trace = JSON.parse(text) as JaegerTrace;
    } catch {
      trace = undefined;
    }
    if (!trace || !Array.isArray(trace.spans)) {
      stats.skippedLines++;
      if (stats.skippedLines <= 3) stats.warnings.push(`${file}: data[${index}] is not a Jaeger trace (${trace ? 'no spans' : 'not JSON'}), skipped`);
      continue;
    }
    const batch: TraceSpan[] = [];
    for (const s of trace.spans) {
      const span = toSpan(s, trace.traceID, file);
      if (span) batch.push(span);
    }
    if (batch.length > 0) yield batch;
  }
  // A truncated file ends inside the array: `source.error()` says why, and what came before was read.
  if (!result.complete && !source.error()) stats.warnings.push(`${file}: ${result.found ? 'ends before its "data" array does' : 'has no "data" array'}; read the traces before that`);
}
