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
const LINE_NUMBER = /(\d+)-(\d+)(?=\])/y;
const VXID = /\d+\/\d+(?![\d/])/y;
const HOST_PORT = /[\w.:\-]+\(\d+\)|\[local\]/y;
const WORD = /\[(?:unknown|local)\]|[^\s[\]():@,=/|;<>]+/y;
const LABEL_AFTER = /\s*=/y;

type Part = { lit: string } | { esc: string; word?: string };

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

/** Step 2 and 3: the prefix text as literals and escapes. `wild` turns unknown words into `%a`/`%i`. */
export function partsOf(text: string, wild: boolean): Part[] {
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
    } else if ((m = sticky(HOST_PORT)) && !label) {
      parts.push({ esc: m[0] === '[local]' ? 'h' : 'r' });
    } else if ((m = sticky(WORD))) {
      const word = m[0];
      LABEL_AFTER.lastIndex = i + word.length;
      if (LABEL_AFTER.test(text) && !label) {
        parts.push({ lit: word });
        label = labelEscape(word) ?? '';
      } else {
        parts.push(valueOf(word, label, text[i + word.length], parts, has, wild));
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

function valueOf(word: string, label: string | undefined, next: string | undefined, parts: Part[], has: (e: string) => boolean, wild: boolean): Part {
  if (label) return { esc: label, word };
  if (next === '@' && !has('u')) return { esc: 'u', word };
  const before = parts[parts.length - 1];
  const beforeEsc = parts[parts.length - 2];
  if (before && 'lit' in before && before.lit === '/' && beforeEsc && 'esc' in beforeEsc && beforeEsc.esc === 'd') return { esc: 'a', word };
  if (before && 'lit' in before && before.lit === '@' && beforeEsc && 'esc' in beforeEsc && beforeEsc.esc === 'u') return { esc: 'd', word };
  if (/^\d+$/.test(word)) return { esc: has('p') ? 'x' : 'p', word };
  if (/^[0-9a-f]{1,16}\.[0-9a-f]{1,16}$/.test(word) && /[a-f]/.test(word)) return { esc: 'c', word };
  if (/^\d{1,3}(?:\.\d{1,3}){3}$/.test(word) || word === '[local]') return { esc: 'h', word };
  if (/^(?=.*[A-Z])[0-9A-Z]{5}$/.test(word)) return { esc: 'e', word };
  if (COMMAND_TAG.test(word)) return { esc: 'i', word };
  if (word === '[unknown]') return { esc: has('u') ? (has('d') ? 'a' : 'd') : 'u', word };
  if (!wild) return { lit: word };
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
      k += 2;
    }
  }
  return out;
}

export function prefixOf(parts: readonly Part[]): string {
  return parts.map((p) => ('esc' in p ? `%${p.esc}` : p.lit.replaceAll('%', '%%'))).join('');
}

/** Step 4: candidates of one text, without and with `%q` before each escape after the first. */
function candidatesOf(text: string): string[] {
  const out: string[] = [];
  for (const wild of [false, true]) {
    const parts = partsOf(text, wild);
    out.push(prefixOf(parts));
    for (let k = 1; k < parts.length; k++) {
      if (!('esc' in parts[k]!)) continue;
      out.push(`${prefixOf(parts.slice(0, k))}%q${prefixOf(parts.slice(k))}`);
    }
  }
  return out;
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
  const samples = [...new Set([...prefixTexts(statementLines).slice(0, 4), ...texts.slice(0, 4)])];
  let best: InferredPrefix | undefined;
  const tried = new Set<string>();
  for (const text of samples) {
    for (const prefix of candidatesOf(text)) {
      if (tried.has(prefix)) continue;
      tried.add(prefix);
      const re = prefixRegex(prefix);
      let matched = 0;
      for (const l of withSeverity) if (re.test(l)) matched++;
      if (!best || matched > best.matched) best = { prefix, matched, lines: withSeverity.length };
    }
  }
  return best && best.matched > 0 ? best : undefined;
}
