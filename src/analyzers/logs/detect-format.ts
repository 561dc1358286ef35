/** Recognises a log file's format from its first non-empty lines. */
import type { LogFormat } from '../types.ts';
import { DEFAULT_LOG_LINE_PREFIX, prefixRegex } from './log-line-prefix.ts';

export const UNDERSTOOD_FORMATS = 'PostgreSQL stderr (any log_line_prefix), csvlog, jsonlog, or a pg_stat_statements export (CSV or JSON)';

export function detectFormat(firstLines: string[], logLinePrefix?: string): LogFormat | undefined {
  const lines = firstLines.filter((l) => l.trim() !== '');
  const first = lines[0]?.trimStart();
  if (!first) return undefined;
  if (first.startsWith('[')) return 'pg_stat_statements';
  if (first.startsWith('{')) {
    try {
      const o = JSON.parse(first) as Record<string, unknown>;
      if ('query' in o && 'calls' in o) return 'pg_stat_statements';
      if ('error_severity' in o || 'message' in o) return 'jsonlog';
    } catch {
      return undefined;
    }
    return undefined;
  }
  const header = first.toLowerCase().split(',').map((h) => h.trim().replace(/^"|"$/g, ''));
  if (header.includes('query') && header.includes('calls')) return 'pg_stat_statements';
  if (/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d+)?( [A-Za-z+\-0-9:]+)?,/.test(first)) return 'csvlog';
  const prefixes = [logLinePrefix, DEFAULT_LOG_LINE_PREFIX, '%t [%p] ', '%m [%p] %q%u@%d ', '%t [%p]: [%l-1] '].filter((p): p is string => Boolean(p));
  for (const p of prefixes) {
    const re = prefixRegex(p);
    if (lines.slice(0, 20).some((l) => re.test(l))) return 'stderr';
  }
  return undefined;
}
