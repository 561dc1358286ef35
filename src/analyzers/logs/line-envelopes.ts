/**
 * What some log pipelines wrap around PostgreSQL's own line (its log_line_prefix, severity and message): syslog's
 * header and `[N-M]` numbering, Heroku logplex's, Google Cloud SQL's JSON entry. An envelope cuts a line into
 * the PostgreSQL text (`body`) and what it knows of the line (process, part number).
 */
import type { LogFormat } from '../types.ts';

export interface EnvelopeLine {
  body: string;
  /** The process that wrote the line, when the envelope says it (syslog, logplex). */
  pid?: string;
  /** The part of a message split over lines (`[N-M]`: M), 1 for the first. */
  part?: number;
  timestamp?: string;
}

export interface Envelope {
  format: Extract<LogFormat, 'syslog' | 'logplex' | 'cloudsql'>;
  /** The line cut open; undefined when it is not a line of this envelope; an empty body is a line to ignore. */
  split(line: string): EnvelopeLine | undefined;
}

// `Feb 11 13:15:39 host postgres[10808]: [1-1] body` or rsyslog's ISO time; the numbering is optional.
const SYSLOG =
  /^((?:[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d)|(?:\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:?\d\d)?)) \S+ [\w.\-/]+\[(\d+)\]: (?:\[(\d+)-(\d+)\] )?/;

export const syslogEnvelope: Envelope = {
  format: 'syslog',
  split(line) {
    const m = SYSLOG.exec(line);
    if (!m) return undefined;
    let body = line.slice(m[0].length);
    // rsyslog writes control characters in octal: a tab is #011.
    if (body.includes('#011')) body = body.replaceAll('#011', '\t');
    return { body, pid: m[2], part: m[4] ? Number(m[4]) : undefined, timestamp: m[1] };
  },
};

// `2019-03-14T00:22:56+00:00 app[postgres.4882]: [GREEN] [15-1] body`, or the newer
// `2021-09-07T04:01:27+00:00 d.<uuid> app[postgres.5925] [AQUA] [921320-1] body`.
const LOGPLEX = /^(\S+) (?:\S+ )?app\[[\w-]+\.(\d+)\]:? (?:\[[\w-]+\] )?\[(\d+)-(\d+)\] /;

export const logplexEnvelope: Envelope = {
  format: 'logplex',
  split(line) {
    const m = LOGPLEX.exec(line);
    if (!m) return undefined;
    return { body: line.slice(m[0].length), pid: m[2], part: Number(m[4]), timestamp: m[1] };
  },
};

/** Google Cloud SQL (Cloud Logging export): one JSON entry per line, PostgreSQL's line in `textPayload`. */
export const cloudSqlEnvelope: Envelope = {
  format: 'cloudsql',
  split(line) {
    if (!line.startsWith('{')) return undefined;
    let entry: { textPayload?: unknown; timestamp?: unknown };
    try {
      entry = JSON.parse(line) as typeof entry;
    } catch {
      return undefined;
    }
    if (!entry || typeof entry !== 'object') return undefined;
    // Entries of other Cloud SQL logs (no textPayload) are not lines of the PostgreSQL log: ignored.
    if (typeof entry.textPayload !== 'string') return { body: '' };
    return { body: entry.textPayload, timestamp: typeof entry.timestamp === 'string' ? entry.timestamp : undefined };
  },
};

export const ENVELOPES: readonly Envelope[] = [syslogEnvelope, logplexEnvelope, cloudSqlEnvelope];

export function envelopeOf(format: LogFormat): Envelope | undefined {
  return ENVELOPES.find((e) => e.format === format);
}
