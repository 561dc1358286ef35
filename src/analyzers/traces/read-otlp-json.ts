/**
 * OTLP/JSON trace files: one `ExportTraceServiceRequest` per line (`{"resourceSpans":[{"scopeSpans":[{"spans":
 * [...]}]}]}`), as the OpenTelemetry collector's file exporter writes them and as the SDKs' http/json exporters send
 * them. Read line by line (a line is one export batch), spans yielded per line. Ids are kept as written (hex per
 * the OTLP/JSON spec); span kinds as numbers (2 = server) or enum names (`SPAN_KIND_SERVER`); the older
 * `instrumentationLibrarySpans` is read like `scopeSpans`.
 */
import { lineBatches, type TextSource } from '../logs/read-text.ts';
import type { ReaderStats } from '../logs/reader-types.ts';
import { ownCopy } from '../own-copy.ts';
import { spanFields, type TraceSpan } from './trace-span.ts';

interface OtlpValue {
  stringValue?: string;
  intValue?: string | number;
  doubleValue?: number;
  boolValue?: boolean;
}
interface OtlpSpan {
  traceId?: string;
  spanId?: string;
  parentSpanId?: string;
  kind?: number | string;
  startTimeUnixNano?: string | number;
  attributes?: { key: string; value?: OtlpValue }[];
}
interface OtlpScopeSpans {
  spans?: OtlpSpan[];
}
interface OtlpResourceSpans {
  scopeSpans?: OtlpScopeSpans[];
  instrumentationLibrarySpans?: OtlpScopeSpans[];
}

const isServerKind = (kind: OtlpSpan['kind']) => kind === 2 || kind === 'SPAN_KIND_SERVER';

function valueText(v: OtlpValue | undefined): string | undefined {
  if (!v) return undefined;
  if (v.stringValue !== undefined) return v.stringValue;
  if (v.intValue !== undefined) return String(v.intValue);
  if (v.doubleValue !== undefined) return String(v.doubleValue);
  if (v.boolValue !== undefined) return String(v.boolValue);
  return undefined;
}

/** Nanoseconds (a decimal string, beyond 2^53) to microseconds. */
function micros(nanos: string | number | undefined): number {
  if (nanos === undefined) return 0;
  const text = String(nanos);
  return text.length > 3 ? Number(text.slice(0, -3)) : 0;
}

function toSpan(span: OtlpSpan, file: string, line: number): TraceSpan | undefined {
  if (!span.traceId || !span.spanId) return undefined;
  const attributes = span.attributes ?? [];
  const get = (key: string) => valueText(attributes.find((a) => a.key === key)?.value);
  return {
    traceId: ownCopy(span.traceId),
    spanId: ownCopy(span.spanId),
    ...(span.parentSpanId ? { parentId: ownCopy(span.parentSpanId) } : {}),
    start: micros(span.startTimeUnixNano),
    ...spanFields(get, isServerKind(span.kind)),
    source: { file, line },
  };
}

/** True when the value is an ExportTraceServiceRequest (has `resourceSpans`). */
export function isOtlpRequest(value: unknown): value is { resourceSpans: OtlpResourceSpans[] } {
  return typeof value === 'object' && value !== null && Array.isArray((value as { resourceSpans?: unknown }).resourceSpans);
}

/** Spans of each line; lines that are not JSON export requests are counted in `stats` (the first few named). */
export async function* readOtlpJson(source: TextSource, file: string, stats: ReaderStats): AsyncGenerator<TraceSpan[]> {
  let line = 0;
  let pendingBad: number | undefined;
  const bad = (at: number) => {
    stats.skippedLines++;
    if (stats.skippedLines <= 3) stats.warnings.push(`${file}:${at}: not an OTLP/JSON export request, skipped`);
  };
  for await (const lines of lineBatches(source.chunks)) {
    const batch: TraceSpan[] = [];
    for (const text of lines) {
      line++;
      if (text.trim() === '') continue;
      // A line that does not parse is only known to be damage once the next one is read: the last line of a
      // truncated file is the damage `source.error()` reports, not a line of another format.
      if (pendingBad !== undefined) bad(pendingBad);
      pendingBad = undefined;
      let request: unknown;
      try {
        request = JSON.parse(text);
      } catch {
        pendingBad = line;
        continue;
      }
      if (!isOtlpRequest(request)) {
        bad(line);
        continue;
      }
      for (const rs of request.resourceSpans) {
        for (const ss of [...(rs.scopeSpans ?? []), ...(rs.instrumentationLibrarySpans ?? [])]) {
          for (const s of ss.spans ?? []) {
            const span = toSpan(s, file, line);
            if (span) batch.push(span);
          }
        }
      }
    }
    if (batch.length > 0) yield batch;
  }
  if (pendingBad !== undefined && !source.error()) bad(pendingBad);
}
