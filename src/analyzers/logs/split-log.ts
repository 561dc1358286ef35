/**
 * Where a big plain log file can be cut into pieces for worker threads: at the start of a record, never inside
 * one. Near each of the even cut points, the first line at or after it that begins a record:
 * - csvlog: a line starting with the time column whose record (quotes followed to its end) has the csvlog's
 *   columns and a severity where it should be (a line inside a quoted field does not pass);
 * - jsonlog, CloudNativePG, Cloud SQL: any line (JSON strings hold no raw newline);
 * - text logs (stderr, RDS, syslog, logplex): a line with the prefix and `LOG:` (not a continuation, nor a
 *   DETAIL that belongs to the message before); in an envelope numbering parts, a first part (`[N-1]`) after
 *   which no other process's later part follows for a while (so a message interleaved across the cut is rare).
 */
import { open } from 'node:fs/promises';
import type { LogFormat } from '../types.ts';
import type { DetectedLog } from './detect-format.ts';
import { envelopeOf } from './line-envelopes.ts';
import { prefixRegex } from './log-line-prefix.ts';

/** Bytes looked at after each even cut point for the start of a record. */
const WINDOW = 1 << 20;
const SPLITTABLE: readonly LogFormat[] = ['csvlog', 'jsonlog', 'cnpg', 'cloudsql', 'stderr', 'rds', 'syslog', 'logplex'];

export function isSplittable(format: LogFormat): boolean {
  return SPLITTABLE.includes(format);
}

/** Byte offsets of the pieces: `[0, cut1, ..., size]`, fewer pieces when no record start is found near a cut. */
export async function splitOffsets(file: string, size: number, detected: DetectedLog, pieces: number): Promise<number[]> {
  const isStart = recordStart(detected);
  const handle = await open(file, 'r');
  const offsets = [0];
  try {
    for (let k = 1; k < pieces; k++) {
      const target = Math.floor((size * k) / pieces);
      if (target <= offsets[offsets.length - 1]!) continue;
      const buffer = Buffer.alloc(Math.min(WINDOW, size - target + 1));
      // One byte before the target: a line starting exactly at the target is seen as starting after a newline.
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, target - 1);
      const at = firstRecordStart(buffer.subarray(0, bytesRead), isStart);
      if (at !== undefined && target - 1 + at > offsets[offsets.length - 1]!) offsets.push(target - 1 + at);
    }
  } finally {
    await handle.close();
  }
  offsets.push(size);
  return offsets;
}

type RecordStart = (lines: readonly string[], k: number) => boolean;

/** The offset in `window` of the first line (after a newline) that starts a record. */
function firstRecordStart(window: Buffer, isStart: RecordStart): number | undefined {
  const text = window.toString('latin1'); // byte offsets = string offsets; the checks only look at ASCII
  const starts: number[] = [];
  let p = text.indexOf('\n');
  while (p !== -1 && p + 1 < text.length) {
    starts.push(p + 1);
    p = text.indexOf('\n', p + 1);
  }
  const lines = starts.map((s, i) => text.slice(s, (starts[i + 1] ?? text.length + 1) - 1));
  // The last line may be cut by the window's end: not looked at.
  for (let k = 0; k < lines.length - 1; k++) if (isStart(lines, k)) return starts[k];
  return undefined;
}

const CSV_TIME = /^"?\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:\.\d+)?(?: [A-Za-z+\-0-9:]+)?"?,/;
const SEVERITIES = new Set(['LOG', 'ERROR', 'WARNING', 'FATAL', 'PANIC', 'NOTICE', 'INFO', 'DEBUG', 'DEBUG1', 'DEBUG2', 'DEBUG3', 'DEBUG4', 'DEBUG5']);

function recordStart(detected: DetectedLog): RecordStart {
  switch (detected.format) {
    case 'csvlog':
      return (lines, k) => CSV_TIME.test(lines[k]!) && isCsvlogRecord(lines, k);
    case 'jsonlog':
    case 'cnpg':
    case 'cloudsql':
      return (lines, k) => lines[k]!.startsWith('{');
    default:
      return textRecordStart(detected);
  }
}

/** The record starting at line k, quotes followed over the lines after it: csvlog's columns, a severity at 12th. */
function isCsvlogRecord(lines: readonly string[], k: number): boolean {
  const fields: string[] = [];
  let field = '';
  let quoted = false;
  for (let j = k; j < lines.length && j < k + 200; j++) {
    const line = lines[j]!;
    for (let i = 0; i < line.length; i++) {
      const c = line[i]!;
      if (quoted) {
        if (c === '"' && line[i + 1] === '"') i++;
        else if (c === '"') quoted = false;
        else field += c;
      } else if (c === '"') quoted = true;
      else if (c === ',') {
        fields.push(field);
        field = '';
      } else field += c;
    }
    if (!quoted) {
      fields.push(field);
      return fields.length >= 23 && SEVERITIES.has(fields[11]!);
    }
  }
  return false;
}

function textRecordStart(detected: DetectedLog): RecordStart {
  const re = prefixRegex(detected.logLinePrefix ?? '');
  const envelope = envelopeOf(detected.format);
  if (!envelope) return (lines, k) => re.exec(lines[k]!)?.groups?.severity === 'LOG';
  return (lines, k) => {
    const cut = envelope.split(lines[k]!);
    if (!cut || (cut.part ?? 1) !== 1 || re.exec(cut.body)?.groups?.severity !== 'LOG') return false;
    // Processes whose message goes on after the cut would lose its end: none in the next lines.
    const started = new Set<string | undefined>();
    for (let j = k; j < lines.length && j < k + 100; j++) {
      const next = envelope.split(lines[j]!);
      if (!next) continue;
      if ((next.part ?? 1) === 1) started.add(next.pid);
      else if (!started.has(next.pid)) return false;
    }
    return true;
  };
}
