/**
 * Infers PostgreSQL's `log_line_prefix` from log lines: the text before each line's severity (`LOG:`) is read as
 * timestamps, process ids, `label=value` pairs, `user@db`, session ids and free text, and turned into a prefix
 * such as `%t [%p]: [%l-1] user=%u,db=%d `. Candidates from several lines (and with `%q` at each place, for
 * lines of background processes that lack the session part) are tried on every sample line; the one that reads
 * most lines wins.
 *
 * Steps: 1. prefix texts of the sample lines; 2. tokens of one text; 3. escapes of the tokens (labels first, then
 * shapes); 4. candidates; 5. the candidate that matches most lines.
 */
import { prefixRegex } from './log-line-prefix.ts';

/** A severity right after the prefix (what the prefix regex expects to follow it). */
const SEVERITY_AT = /(?<=^|[\s:\]>)|,])(?:LOG|ERROR|WARNING|FATAL|PANIC|DETAIL|HINT|STATEMENT|CONTEXT|NOTICE|INFO|DEBUG[1-5]?|LOCATION|QUERY):\s/;
const TIMESTAMP = /\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d(\.\d+)?(?: ?(?:[A-Z][A-Za-z]{1,5}|[+-]\d\d(?::?\d\d)?)(?![\w]))?/y;
const EPOCH = /\d{9,10}\.\d{3}(?!\d)/y;
// `[%l-1]`: the `-1` is text of the prefix (syslog's `[N-M]` numbering is cut with the envelope).
const LINE_NUMBER = /(\d+)-(1)(?=\])/y;
// A number ending where a word may not go on (`4100-17`, `[4100]`, `4100 `).
const NUMBER = /\d+(?=[-\]\s:,|;>)]|$)/y;
const SIGNED = /-\d+(?![\w.])/y;
const VXID = /\d+\/\d+(?![\d/])/y;
const HOST_PORT = /[\w.\-][\w.:\-]*\(\d+\)|\[local\]/y;
const WORD = /\[(?:unknown|local)\]|[^\s[\]():@,=/|;<>\-][^\s[\]():@,=/|;<>]*/y;
const LABEL_AFTER = /\s*=/y;

type Part = { lit: string } | { esc: string; word?: string };

/**
 * How words that are neither labelled nor shaped like a value are read: as literal text (`strict`), as values of
 * `%a` then `%i` (`wild`), or in the order of the usual `%u %d %a` (`wild-ud`) when there is no `user@db`.
 */
export type WordMode = 'strict' | 'wild' | 'wild-ud';

const LABELS: [RegExp, string][] = [
  [/^(?:u|usr|user|username|role|user_name)$/i, 'u'],
  [/^(?:d|db|dbname|database|database_name)$/i, 'd'],
  [/^(?:a|app|appli|application|application_name|appname)$/i, 'a'],
  [/^(?:h|host|client|remote|clientaddr|client_addr|ip|from)$/i, 'h'],
  [/^(?:r|remote_host|connection_from)$/i, 'r'],
  [/^(?:p|pid|proc|process|process_id)$/i, 'p'],
  [/^(?:x|xid|tx|txid|transaction_id)$/i, 'x'],
  [/^(?:v|vxid|vtx|vtxid|virtual_transaction_id)$/i, 'v'],
  [/^(?:c|session|sid|session_id|sess)$/i, 'c'],
  [/^(?:l|line|line_num|session_line_num)$/i, 'l'],
  [/^(?:e|sqlstate|sql_error_code|sql_state|sql_state_code|state|code|error_code|errcode)$/i, 'e'],
  [/^(?:q|queryid|query_id|qid)$/i, 'Q'],
  [/^(?:i|tag|command|command_tag|cmd|ps)$/i, 'i'],
  [/^(?:b|backend|backend_type|type)$/i, 'b'],
];

const COMMAND_TAG = /^(?:SELECT|INSERT|UPDATE|DELETE|BEGIN|COMMIT|ROLLBACK|BIND|PARSE|idle|authentication|startup|COPY|VACUUM|ANALYZE|SHOW|SET)$/;

/** The text before the severity of each line that has one. */
export function prefixTexts(lines: readonly string[]): string[] {
  const out: string[] = [];
  for (const line of lines) {
    const m = SEVERITY_AT.exec(line);
    if (m) out.push(line.slice(0, m.index));
  }
  return out;
}

/** Step 2 and 3: the prefix text as literals and escapes; `mode` says what unknown words are. */
export function partsOf(text: string, mode: WordMode): Part[] {
  const parts: Part[] = [];
  const has = (e: string) => parts.some((p) => 'esc' in p && p.esc === e);
  let label: string | undefined;
  let i = 0;
  let timestamps = 0;
  const sticky = (re: RegExp) => {
    re.lastIndex = i;
    return re.exec(text);
  };
  while (i < text.length) {
    let m: RegExpExecArray | null;
    if ((m = sticky(TIMESTAMP))) {
      parts.push({ esc: timestamps++ > 0 ? 's' : m[1] ? 'm' : 't' });
    } else if ((m = sticky(EPOCH))) {
      parts.push({ esc: 'n' });
    } else if ((m = sticky(LINE_NUMBER))) {
      parts.push({ esc: 'l' }, { lit: `-${m[2]}` });
    } else if ((m = sticky(VXID))) {
      parts.push({ esc: 'v' });
    } else if ((m = sticky(HOST_PORT)) && (!label || label === 'h' || label === 'r')) {
      parts.push({ esc: m[0] === '[local]' ? 'h' : 'r' });
      label = undefined;
    } else if ((m = sticky(NUMBER)) && !label) {
      parts.push(numberOf(m[0], parts, has));
    } else if (label && (m = sticky(SIGNED))) {
      parts.push({ esc: label, word: m[0] }); // `queryid=-4142`
      label = undefined;
    } else if ((m = sticky(WORD))) {
      const word = m[0];
      LABEL_AFTER.lastIndex = i + word.length;
      if (LABEL_AFTER.test(text) && !label) {
        parts.push({ lit: word });
        label = labelEscape(word) ?? '';
      } else {
        parts.push(valueOf(word, label, text.slice(i + word.length), parts, has, mode));
        label = undefined;
      }
    } else {
      const ch = text[i]!;
      if (label !== undefined && !(ch === '=' || (ch === ' ' && i + 1 < text.length))) {
        // `user=,db=` or `client= LOG`: the value is empty.
        if (label) parts.push({ esc: label });
        label = undefined;
      }
      parts.push({ lit: ch });
      i += 1;
      continue;
    }
    i += m[0].length;
  }
  if (label) parts.push({ esc: label });
  return absorbAppWords(parts);
}

function labelEscape(word: string): string | undefined {
  for (const [re, esc] of LABELS) if (re.test(word)) return esc;
  return undefined;
}

/** A bare number: the pid first; the `%l` after `%p-`; else a transaction id. */
function numberOf(word: string, parts: Part[], has: (e: string) => boolean): Part {
  if (/^0\d{4}$/.test(word)) return { esc: 'e', word }; // SQLSTATE 00000, 01000...
  const before = parts[parts.length - 1];
  const beforeEsc = parts[parts.length - 2];
  if (before && 'lit' in before && before.lit === '-' && beforeEsc && 'esc' in beforeEsc && beforeEsc.esc === 'p') return { esc: 'l', word };
  return { esc: has('p') ? 'x' : 'p', word };
}

function valueOf(word: string, label: string | undefined, after: string, parts: Part[], has: (e: string) => boolean, mode: WordMode): Part {
  if (label) return { esc: label, word };
  const next = after[0];
  if (next === '@' && !has('u')) return { esc: 'u', word };
  const before = parts[parts.length - 1];
  const beforeEsc = parts[parts.length - 2];
  if (before && 'lit' in before && before.lit === '/' && beforeEsc && 'esc' in beforeEsc && beforeEsc.esc === 'd') return { esc: 'a', word };
  if (before && 'lit' in before && before.lit === '@' && beforeEsc && 'esc' in beforeEsc && beforeEsc.esc === 'u') return { esc: 'd', word };
  if (/^\d+$/.test(word)) return numberOf(word, parts, has);
  if (/^[0-9a-f]{1,16}\.[0-9a-f]{1,16}$/.test(word) && /[a-f]/.test(word)) return { esc: 'c', word };
  if (/^\d{1,3}(?:\.\d{1,3}){3}$/.test(word) || word === '[local]') return { esc: 'h', word };
  if (/^(?=.*[A-Z])[0-9A-Z]{5}$/.test(word)) return { esc: 'e', word };
  if (COMMAND_TAG.test(word)) return { esc: 'i', word };
  if (word === '[unknown]') return { esc: has('u') ? (has('d') ? 'a' : 'd') : 'u', word };
  if (mode === 'strict') return { lit: word };
  if (mode === 'wild-ud' && !after.includes('@')) {
    if (!has('u')) return { esc: 'u', word };
    if (!has('d')) return { esc: 'd', word };
  }
  return { esc: has('a') ? 'i' : 'a', word };
}

/** Merges the words after the `%a` that are separated by single spaces into it (application names have spaces). */
function absorbAppWords(parts: Part[]): Part[] {
  const out: Part[] = [];
  for (let k = 0; k < parts.length; k++) {
    const p = parts[k]!;
    out.push(p);
    if (!('esc' in p) || p.esc !== 'a') continue;
    while (parts[k + 1] && 'lit' in parts[k + 1]! && (parts[k + 1] as { lit: string }).lit === ' ') {
      const next = parts[k + 2];
      if (!next || !(('lit' in next && /^\w[\w.\-]*$/.test(next.lit)) || ('esc' in next && next.esc === 'i'))) break;
      const after = parts[k + 3];
      if (after && 'lit' in after && after.lit === '=') break; // `app=x client=...`: the next label
      k += 2;
    }
  }
  return out;
}

export function prefixOf(parts: readonly Part[]): string {
  return parts.map((p) => ('esc' in p ? `%${p.esc}` : p.lit.replaceAll('%', '%%'))).join('');
}

/**
 * Step 4: candidates of one text, without and with `%q` (before each escape, and after each space), each with the number of different escapes it has.
 */
function candidatesOf(text: string): { prefix: string; escapes: number }[] {
  const out: { prefix: string; escapes: number }[] = [];
  for (const mode of ['strict', 'wild', 'wild-ud'] as const) {
    const parts = partsOf(text, mode);
    const escapes = new Set(parts.flatMap((p) => ('esc' in p ? [p.esc] : []))).size;
    out.push({ prefix: prefixOf(parts), escapes });
    for (let k = 0; k < parts.length; k++) {
      const before = parts[k - 1];
      if (!('esc' in parts[k]!) && !(before && 'lit' in before && before.lit === ' ')) continue;
      out.push({ prefix: `${prefixOf(parts.slice(0, k))}%q${prefixOf(parts.slice(k))}`, escapes });
    }
  }
  return out;
}

/**
 * Step 1b: the texts candidates are made of: those of statement lines (they carry every field), the first ones,
 * and one of each different shape (words and numbers blurred), the longest first, so that a line with the part
 * after `%q` is looked at even when the first lines are of background processes.
 */
function sampleTexts(texts: readonly string[], statementTexts: readonly string[]): string[] {
  const byShape = new Map<string, string>();
  for (const t of texts) {
    const shape = t.replace(/\d+/g, '0').replace(/[^\s\d[\]():@,=/|;<>-]+/g, 'w');
    if (!byShape.has(shape)) byShape.set(shape, t);
  }
  const shapes = [...byShape.values()].sort((a, b) => b.length - a.length).slice(0, 6);
  return [...new Set([...statementTexts.slice(0, 4), ...texts.slice(0, 4), ...shapes])];
}

export interface InferredPrefix {
  prefix: string;
  /** Sample lines with a severity that the prefix reads. */
  matched: number;
  /** Sample lines with a severity. */
  lines: number;
}

/** Step 5: the prefix that reads most of `lines` (texts that follow an envelope such as syslog's, already cut). */
export function inferLogLinePrefix(lines: readonly string[]): InferredPrefix | undefined {
  const texts = prefixTexts(lines);
  if (texts.length === 0) return undefined;
  const withSeverity = lines.filter((l) => SEVERITY_AT.test(l));
  // Lines of client statements carry every field; take those first, then a few others.
  const statementLines = withSeverity.filter((l) => /(?:LOG|ERROR):\s+(?:duration|statement|execute)/.test(l));
  const samples = sampleTexts(texts, prefixTexts(statementLines));
  let best: (InferredPrefix & { escapes: number }) | undefined;
  const tried = new Set<string>();
  for (const text of samples) {
    for (const { prefix, escapes } of candidatesOf(text)) {
      if (tried.has(prefix)) continue;
      tried.add(prefix);
      const re = prefixRegex(prefix);
      let matched = 0;
      for (const l of withSeverity) if (re.test(l)) matched++;
      // Of prefixes that read as many lines, the one with more fields: a word that is the same on every sampled
      // line (one user, one application) may still be a value that changes further on.
      if (!best || matched > best.matched || (matched === best.matched && escapes > best.escapes)) best = { prefix, matched, lines: withSeverity.length, escapes };
    }
  }
  return best && best.matched > 0 ? { prefix: best.prefix, matched: best.matched, lines: best.lines } : undefined;
}
