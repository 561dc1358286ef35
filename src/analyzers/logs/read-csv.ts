/**
 * CSV records (RFC 4180: quoted fields may hold commas, newlines and doubled quotes) scanned straight from the
 * text chunks of a file. Only the wanted columns become strings; a record split across chunks is completed from
 * the next chunk; a record longer than MAX_RECORD_CHARS is skipped (its lines counted) without being kept.
 */
import { ownCopy } from '../own-copy.ts';
import type { ReaderStats } from './reader-types.ts';

const MAX_RECORD_CHARS = 64 * 1024 * 1024;
/** Escaped field text kept with its unescaped form (about twice this many characters held at most). */
const UNESCAPED_CHARS = 4_000_000;

/**
 * Called once per record with its fields (`fields[0..count)`; columns not wanted are ''). The array is reused
 * for the next record: copy what must outlive the call. `line` is the record's first physical line (1-based).
 */
export type OnRecord = (fields: string[], count: number, line: number) => void;

const COMMA = 44;
const QUOTE = 34;
const LF = 10;
const CR = 13;

export class CsvScanner {
  private readonly wanted: boolean[];
  private readonly wantRest: boolean;
  private readonly fields: string[] = [];
  /** Line ends (`\n`) consumed before the record being read. */
  private lines = 0;
  /** The start of a record whose end is in a later chunk. */
  private pending: string[] = [];
  private pendingChars = 0;
  /** Whether the text of the pending record ends inside quotes (the count of quotes in it is odd). */
  private pendingQuoted = false;
  /** The pending record exceeded the limit: its text is dropped, its line ends still counted. */
  private skipping = false;
  private skippedLineEnds = 0;
  private readonly unescaped = new Map<string, string>();
  private unescapedChars = 0;

  /**
   * @param wanted the column indexes to return (all when omitted)
   */
  constructor(
    private readonly stats: ReaderStats,
    wanted?: readonly number[],
  ) {
    this.wanted = [];
    if (wanted) for (const i of wanted) this.wanted[i] = true;
    this.wantRest = !wanted;
  }

  /**
   * `value` with its doubled quotes undoubled. Logs repeat the same statements (quoted identifiers double
   * their quotes in CSV), so results are kept by escaped text, up to UNESCAPED_CHARS: a repeated statement
   * then costs a lookup, and the same string object (hashed once) reaches the statement cache.
   */
  private unescape(value: string): string {
    if (value.length > 16_384) return value.replaceAll('""', '"');
    let plain = this.unescaped.get(value);
    if (plain === undefined) {
      plain = ownCopy(value.replaceAll('""', '"'));
      if (this.unescapedChars > UNESCAPED_CHARS) {
        this.unescaped.clear();
        this.unescapedChars = 0;
      }
      this.unescaped.set(ownCopy(value), plain);
      this.unescapedChars += value.length;
    }
    return plain;
  }

  /** Scans the next chunk of text, calling `onRecord` for each record it completes. */
  push(chunk: string, onRecord: OnRecord): void {
    let pos = 0;
    if (this.pendingChars > 0 || this.skipping) {
      const end = this.endOfPending(chunk);
      if (end === -1) {
        this.hold(chunk);
        return;
      }
      if (!this.skipping && this.pendingChars + end > MAX_RECORD_CHARS) this.startSkipping();
      if (this.skipping) {
        this.skipLines(chunk.slice(0, end), true);
      } else {
        this.pending.push(chunk.slice(0, end));
        const record = this.pending.join('');
        this.clearPending();
        // Complete by construction: it ends with the first line end outside quotes.
        this.scan(record, 0, onRecord);
      }
      pos = end;
    }
    const rest = this.scan(chunk, pos, onRecord);
    if (rest < chunk.length) {
      this.pendingQuoted = false;
      this.hold(rest === 0 ? chunk : chunk.slice(rest));
    }
  }

  /** At the end of the text: the last record may lack its line end; a record cut inside quotes is skipped. */
  end(onRecord: OnRecord): void {
    if (this.skipping) {
      this.skipLines('', false);
    } else if (this.pendingChars > 0) {
      const record = this.pending.join('');
      const cut = this.pendingQuoted;
      this.clearPending();
      if (cut) {
        this.stats.skippedLines += countLineEnds(record, 0, record.length) + (record.endsWith('\n') ? 0 : 1);
      } else {
        this.scan(`${record}\n`, 0, onRecord);
      }
    }
    this.pendingQuoted = false;
  }

  private clearPending(): void {
    this.pending = [];
    this.pendingChars = 0;
    this.pendingQuoted = false;
  }

  /** Keeps `text`, the start of a record (or more of it), updating the quote parity; drops it when too long. */
  private hold(text: string): void {
    this.pendingQuoted = this.quotedAfter(text, this.pendingQuoted);
    if (this.skipping) {
      this.skippedLineEnds += countLineEnds(text, 0, text.length);
      return;
    }
    this.pending.push(text);
    this.pendingChars += text.length;
    if (this.pendingChars > MAX_RECORD_CHARS) this.startSkipping();
  }

  /** Drops the text of the pending record, counting its line ends. */
  private startSkipping(): void {
    this.skipping = true;
    this.skippedLineEnds = 0;
    for (const piece of this.pending) this.skippedLineEnds += countLineEnds(piece, 0, piece.length);
    this.pending = [];
    this.pendingChars = 0;
  }

  /** Ends a skipped record with its last piece; `ended` when that piece ends with the record's line end. */
  private skipLines(last: string, ended: boolean): void {
    const lineEnds = this.skippedLineEnds + countLineEnds(last, 0, last.length);
    this.stats.skippedLines += ended ? lineEnds : lineEnds + 1;
    this.lines += lineEnds;
    this.skipping = false;
    this.skippedLineEnds = 0;
    this.pendingQuoted = false;
  }

  private quotedAfter(text: string, quoted: boolean): boolean {
    let q = text.indexOf('"');
    while (q !== -1) {
      quoted = !quoted;
      q = text.indexOf('"', q + 1);
    }
    return quoted;
  }

  /** Where the pending record ends in `chunk` (after its line end), or -1. */
  private endOfPending(chunk: string): number {
    let quoted = this.pendingQuoted;
    let p = 0;
    let nl = -2;
    for (;;) {
      if (quoted) {
        const q = chunk.indexOf('"', p);
        if (q === -1) return -1;
        quoted = false;
        p = q + 1;
        continue;
      }
      if (nl < p) {
        nl = chunk.indexOf('\n', p);
        if (nl === -1) return -1;
      }
      const q = chunk.indexOf('"', p);
      if (q === -1 || q > nl) return nl + 1;
      quoted = true;
      p = q + 1;
    }
  }

  /**
   * Reads the complete records of `text` from `pos`; returns where the first incomplete one starts (or the
   * text's length).
   */
  private scan(text: string, pos: number, onRecord: OnRecord): number {
    const len = text.length;
    const fields = this.fields;
    const wanted = this.wanted;
    const wantRest = this.wantRest;
    while (pos < len) {
      const start = pos;
      let c = text.charCodeAt(pos);
      if (c === LF || c === CR) {
        // An empty line (a record of nothing is not a record).
        if (c === CR) {
          if (pos + 1 >= len) return start;
          if (text.charCodeAt(pos + 1) === LF) {
            this.lines++;
            pos += 2;
            continue;
          }
        } else {
          this.lines++;
          pos++;
          continue;
        }
      }
      let n = 0;
      let p = pos;
      let end = -1;
      let irregular = false;
      for (;;) {
        c = text.charCodeAt(p);
        const want = n < wanted.length ? wanted[n] === true : wantRest;
        if (c === QUOTE) {
          let q = p + 1;
          let doubled = false;
          for (;;) {
            q = text.indexOf('"', q);
            if (q === -1 || q + 1 >= len) return start;
            if (text.charCodeAt(q + 1) !== QUOTE) break;
            doubled = true;
            q += 2;
          }
          if (want) {
            const value = text.slice(p + 1, q);
            fields[n] = doubled ? this.unescape(value) : value;
          } else {
            fields[n] = '';
          }
          p = q + 1;
          c = text.charCodeAt(p);
        } else {
          let e = p;
          while (e < len) {
            c = text.charCodeAt(e);
            if (c === COMMA || c === LF || c === CR || c === QUOTE) break;
            e++;
          }
          if (e >= len) return start;
          fields[n] = want ? text.slice(p, e) : '';
          p = e;
        }
        n++;
        if (c === COMMA) {
          p++;
          continue;
        }
        if (c === LF) {
          end = p + 1;
          break;
        }
        if (c === CR) {
          if (p + 1 >= len) return start;
          if (text.charCodeAt(p + 1) === LF) {
            end = p + 2;
            break;
          }
        }
        // A quote inside an unquoted field, text after a closing quote, a lone CR: read the slow way.
        irregular = true;
        break;
      }
      const line = this.lines + 1;
      if (irregular) {
        end = endOfRecord(text, start);
        if (end === -1) return start;
        n = irregularFields(text, start, end, fields);
        if (!wantRest) for (let i = 0; i < n; i++) if (wanted[i] !== true) fields[i] = '';
      }
      // Line ends inside quoted fields: count them; CRLF inside a field reads as LF.
      let lineEnds = 1;
      let nl = text.indexOf('\n', start);
      if (nl < end - 1) {
        let crlf = false;
        while (nl < end - 1) {
          lineEnds++;
          if (text.charCodeAt(nl - 1) === CR) crlf = true;
          nl = text.indexOf('\n', nl + 1);
        }
        if (crlf) for (let i = 0; i < n; i++) if (fields[i]!.includes('\r\n')) fields[i] = fields[i]!.replaceAll('\r\n', '\n');
      }
      this.lines += lineEnds;
      pos = end;
      onRecord(fields, n, line);
    }
    return pos;
  }
}

function countLineEnds(text: string, from: number, to: number): number {
  let n = 0;
  let nl = text.indexOf('\n', from);
  while (nl !== -1 && nl < to) {
    n++;
    nl = text.indexOf('\n', nl + 1);
  }
  return n;
}

/** After the line end that ends the record starting at `start` (the first one outside quotes), or -1. */
function endOfRecord(text: string, start: number): number {
  let quoted = false;
  for (let p = start; p < text.length; p++) {
    const c = text.charCodeAt(p);
    if (c === QUOTE) quoted = !quoted;
    else if (c === LF && !quoted) return p + 1;
  }
  return -1;
}

/**
 * The fields of text[start, end) (ending with its line end) as a lenient reader sees them: a quote anywhere
 * opens or closes quoting, a doubled quote inside quotes is one quote, text after a closing quote belongs to
 * the same field.
 */
function irregularFields(text: string, start: number, end: number, fields: string[]): number {
  let stop = end - 1;
  if (text.charCodeAt(stop - 1) === CR) stop--;
  let n = 0;
  let field = '';
  let quoted = false;
  for (let i = start; i < stop; i++) {
    const c = text.charCodeAt(i);
    if (quoted) {
      if (c === QUOTE) {
        if (text.charCodeAt(i + 1) === QUOTE && i + 1 < stop) {
          field += '"';
          i++;
        } else quoted = false;
      } else {
        const next = text.indexOf('"', i);
        const to = next === -1 || next > stop ? stop : next;
        field += text.slice(i, to);
        i = to - 1;
      }
    } else if (c === QUOTE) {
      quoted = true;
    } else if (c === COMMA) {
      fields[n++] = field;
      field = '';
    } else {
      let to = i;
      while (to < stop) {
        const d = text.charCodeAt(to);
        if (d === COMMA || d === QUOTE) break;
        to++;
      }
      field += text.slice(i, to);
      i = to - 1;
    }
  }
  fields[n++] = field;
  return n;
}

/**
 * Runs `scanner` over text chunks and yields, once per chunk, the items `toItem` made of its records (records it
 * turns into nothing are left out; a chunk with none yields nothing).
 */
export async function* csvBatches<T>(chunks: AsyncIterable<string>, scanner: CsvScanner, toItem: (fields: string[], count: number, line: number) => T | undefined): AsyncGenerator<T[]> {
  let batch: T[] = [];
  const onRecord: OnRecord = (fields, count, line) => {
    const item = toItem(fields, count, line);
    if (item !== undefined) batch.push(item);
  };
  for await (const chunk of chunks) {
    scanner.push(chunk, onRecord);
    if (batch.length > 0) {
      yield batch;
      batch = [];
    }
  }
  scanner.end(onRecord);
  if (batch.length > 0) yield batch;
}
