/** The statement inside a PostgreSQL log message (`statement: ...`, `execute <name>: ...`, with or without `duration:`). */

const STATEMENT = /^(?:duration: ([\d.]+) ms {1,2})?(?:statement|execute (?:<unnamed>|[^:\s]+)(?:\/C_\d+)?|execute fetch from [^:]+): ([\s\S]*)$/;
const DURATION_ONLY = /^duration: [\d.]+ ms$/;
const PARSE_OR_BIND = /^(?:duration: [\d.]+ ms {1,2})?(?:parse|bind) /;

export function statementOf(message: string): { sql: string; durationMs?: number } | undefined {
  // The two most common messages, without the regular expressions (same result).
  if (message.startsWith('statement: ')) return { sql: message.slice(11), durationMs: undefined };
  if (message.startsWith('execute <unnamed>: ')) return { sql: message.slice(19), durationMs: undefined };
  if (DURATION_ONLY.test(message) || PARSE_OR_BIND.test(message)) return undefined;
  const m = STATEMENT.exec(message);
  if (!m) return undefined;
  return { sql: m[2]!, durationMs: m[1] ? Number(m[1]) : undefined };
}

/** `parameters: $1 = '5', $2 = NULL` -> ['5', null as 'NULL'] (values kept as logged text). */
export function parametersOf(detail: string | undefined): string[] | undefined {
  if (!detail) return undefined;
  const m = /^[Pp]arameters: ([\s\S]*)$/.exec(detail);
  if (!m) return undefined;
  const out: string[] = [];
  const re = /\$\d+ = (?:'((?:[^']|'')*)'|(NULL))/g;
  for (const p of m[1]!.matchAll(re)) out.push(p[2] ? 'NULL' : p[1]!.replace(/''/g, "'"));
  return out;
}
