/**
 * Recognises a log file's format from its first lines, and for PostgreSQL's text logs the log_line_prefix it
 * was written with (inferred from the lines). What the user gave wins: `--log-format` is taken as it is (its
 * prefix still inferred when none is given), and a given `--log-line-prefix` that reads the lines makes them a
 * text log, whatever they start with (a prefix may start with `[`, as a JSON array does).
 */
import type { LogFormat } from '../types.ts';
import { inferLogLinePrefix } from './infer-prefix.ts';
import { ENVELOPES, type Envelope, envelopeOf } from './line-envelopes.ts';
import { DEFAULT_LOG_LINE_PREFIX, prefixRegex } from './log-line-prefix.ts';

export const UNDERSTOOD_FORMATS =
  'PostgreSQL stderr (log_line_prefix inferred), syslog, AWS RDS/Aurora, Heroku logplex, csvlog, jsonlog, CloudNativePG, Google Cloud SQL, or a pg_stat_statements export (CSV or JSON); plain, gzip, bzip2, xz or zstd';

/** The formats read line by line with a log_line_prefix. */
const TEXT_FORMATS: readonly LogFormat[] = ['stderr', 'rds', 'syslog', 'logplex', 'cloudsql'];

/** AWS RDS and Aurora's fixed log_line_prefix. */
export const RDS_LOG_LINE_PREFIX = '%t:%r:%u@%d:[%p]:';
/** Cloud SQL's (the prefix inside textPayload). */
const CLOUDSQL_LOG_LINE_PREFIX = '[%p]: [%l-1] db=%d,user=%u ';
const LOGPLEX_LOG_LINE_PREFIX = ' sql_error_code = %e ';

export interface DetectedLog {
  format: LogFormat;
  /** For text formats: the prefix the lines are read with. */
  logLinePrefix?: string;
  /** Whether that prefix was inferred from the lines (not given, not a default). */
  inferred?: boolean;
}

export interface DetectOptions {
  format?: 'auto' | LogFormat;
  logLinePrefix?: string;
}

export function isTextFormat(format: LogFormat): boolean {
  return TEXT_FORMATS.includes(format);
}

export function detectLog(firstLines: readonly string[], options: DetectOptions = {}): DetectedLog | undefined {
  const lines = firstLines.filter((l) => l.trim() !== '');
  if (lines.length === 0) return undefined;
  const forced = options.format && options.format !== 'auto' ? options.format : undefined;
  if (forced && !isTextFormat(forced)) return { format: forced };
  if (forced) return textLog(forced, bodiesOf(lines, envelopeOf(forced)), options.logLinePrefix);
  const envelope = envelopeAround(lines);
  if (options.logLinePrefix) {
    const re = prefixRegex(options.logLinePrefix);
    if (bodiesOf(lines, envelope).some((b) => re.test(b))) return { format: envelope?.format ?? 'stderr', logLinePrefix: options.logLinePrefix };
  }
  const structured = structuredFormat(lines);
  if (structured) return { format: structured };
  const bodies = bodiesOf(lines, envelope);
  const inferred = inferLogLinePrefix(bodies);
  if (!inferred || inferred.matched * 2 < inferred.lines) return undefined;
  const rds = /^%t:%[rh]:%u@%d:\[%p\]:$/.test(inferred.prefix);
  return { format: envelope?.format ?? (rds ? 'rds' : 'stderr'), logLinePrefix: inferred.prefix, inferred: true };
}

/** A text log of a given format: the given prefix, else the inferred one, else the format's usual one. */
function textLog(format: LogFormat, bodies: string[], given: string | undefined): DetectedLog {
  if (given) return { format, logLinePrefix: given };
  const inferred = inferLogLinePrefix(bodies);
  if (inferred) return { format, logLinePrefix: inferred.prefix, inferred: true };
  const usual = format === 'rds' ? RDS_LOG_LINE_PREFIX : format === 'cloudsql' ? CLOUDSQL_LOG_LINE_PREFIX : format === 'logplex' ? LOGPLEX_LOG_LINE_PREFIX : DEFAULT_LOG_LINE_PREFIX;
  return { format, logLinePrefix: usual };
}

/** The envelope most of the first lines are in (syslog, logplex, Cloud SQL), if any. */
function envelopeAround(lines: readonly string[]): Envelope | undefined {
  const sample = lines.slice(0, 50);
  return ENVELOPES.find((e) => {
    let inside = 0;
    for (const l of sample) if (e.split(l)?.body) inside++;
    return inside * 2 > sample.length;
  });
}

function bodiesOf(lines: readonly string[], envelope: Envelope | undefined): string[] {
  if (!envelope) return [...lines];
  const out: string[] = [];
  for (const l of lines) {
    const body = envelope.split(l)?.body;
    if (body) out.push(body);
  }
  return out;
}

/** csvlog, jsonlog, CloudNativePG and pg_stat_statements exports, from their first line. */
function structuredFormat(lines: readonly string[]): LogFormat | undefined {
  const first = lines[0]!.trimStart();
  // A JSON array: `[`, `[]` or `[{`; a line such as `[123]: LOG:` is a text log.
  if (/^\[\s*(?:[{\]]|$)/.test(first)) return 'pg_stat_statements';
  if (first.startsWith('{')) {
    let o: Record<string, unknown>;
    try {
      o = JSON.parse(first) as Record<string, unknown>;
    } catch {
      return undefined;
    }
    if ('query' in o && 'calls' in o) return 'pg_stat_statements';
    if ('record' in o || 'logger' in o) return 'cnpg';
    if ('error_severity' in o || 'message' in o) return 'jsonlog';
    return undefined;
  }
  const header = first.toLowerCase().split(',').map((h) => h.trim().replace(/^"|"$/g, ''));
  if (header.includes('query') && header.includes('calls')) return 'pg_stat_statements';
  // The time column, quoted by some exports.
  if (/^"?\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d+)?( [A-Za-z+\-0-9:]+)?"?,/.test(first)) return 'csvlog';
  return undefined;
}
