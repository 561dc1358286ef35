/** A trace file's format, from the start of its text (plain or compressed): OTLP/JSON lines or a Jaeger JSON export. */
import { isStranglerError, UsageError } from '../../errors.ts';
import { openText } from '../logs/read-text.ts';
import type { TraceFormat } from '../types.ts';

/** Characters looked at: a batch of spans can be long, but its first keys come first. */
const PEEK_CHARS = 1 << 16;

export const TRACE_FORMATS_EXPECTED =
  'OTLP/JSON (JSON lines of ExportTraceServiceRequest, as the OpenTelemetry collector\'s file exporter writes them) or a Jaeger JSON export ({"data":[{"traceID","spans","processes"}]}), plain or compressed';

async function peekText(file: string): Promise<string> {
  const source = await openText(file);
  let text = '';
  for await (const chunk of source.chunks) {
    text += chunk;
    if (text.length >= PEEK_CHARS) break;
  }
  return text.slice(0, PEEK_CHARS);
}

/** The format of `text`, the start of a file; `empty` for a file with nothing but white space. */
export function traceFormatOf(text: string): TraceFormat | 'empty' | undefined {
  const start = text.trimStart();
  if (start === '') return 'empty';
  if (!start.startsWith('{')) return undefined;
  const firstLine = start.split('\n', 1)[0]!;
  if (/"(resourceSpans|resource_spans)"\s*:\s*\[/.test(firstLine)) return 'otlp';
  if (/^\{\s*"data"\s*:\s*\[/.test(start) || (/"data"\s*:\s*\[/.test(start) && /"traceID"\s*:/.test(start))) return 'jaeger';
  return undefined;
}

/** The format of each file, all checked before any is read: a file that is neither is a usage error (exit 2). */
export async function detectTraceFiles(files: string[]): Promise<{ file: string; format: TraceFormat | 'empty' }[]> {
  const out: { file: string; format: TraceFormat | 'empty' }[] = [];
  for (const file of files) {
    let text: string;
    try {
      text = await peekText(file);
    } catch (e) {
      if (isStranglerError(e)) throw e;
      const code = (e as NodeJS.ErrnoException).code;
      throw new UsageError(`${file}: cannot read the trace file (${code ?? (e as Error).message})`, 'check the path given to --traces or monolith.traces');
    }
    const format = traceFormatOf(text);
    if (!format) throw new UsageError(`${file}: not a trace export`, `--traces reads ${TRACE_FORMATS_EXPECTED}`);
    out.push({ file, format });
  }
  return out;
}
