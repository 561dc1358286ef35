/** A regular expression for PostgreSQL's log_line_prefix, with named groups for the fields strangler uses. */

export const DEFAULT_LOG_LINE_PREFIX = '%m [%p] ';

const ESCAPES: Record<string, string> = {
  m: '(?<ts>\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d\\.\\d+(?: [A-Za-z+\\-0-9:]+)?)',
  t: '(?<ts>\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d(?: [A-Za-z+\\-0-9:]+)?)',
  n: '\\d+\\.\\d+',
  p: '(?<pid>\\d+)',
  c: '(?<session>[0-9a-f]+\\.[0-9a-f]+)',
  l: '\\d+',
  u: '(?<user>[^\\s@/]*)',
  d: '(?<db>[^\\s@/]*)',
  a: '(?<app>.*?)',
  x: '(?<xid>\\d+)',
  v: '(?<vxid>\\d+/\\d+|-?)',
  h: '\\S*',
  r: '\\S*',
  i: '.*?',
  e: '[0-9A-Z]{5}',
  s: '\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d(?: [A-Za-z+\\-0-9:]+)?',
  b: '.*?',
  Q: '-?\\d+',
};

const SEVERITY = '(?<severity>LOG|DETAIL|ERROR|STATEMENT|HINT|CONTEXT|WARNING|NOTICE|FATAL|PANIC|INFO|DEBUG\\d?|LOCATION|QUERY):  ?(?<message>.*)$';

export function prefixRegex(prefix: string): RegExp {
  let re = '';
  let optionalFrom = -1;
  for (let i = 0; i < prefix.length; i++) {
    const ch = prefix[i]!;
    if (ch === '%' && i + 1 < prefix.length) {
      let j = i + 1;
      while (j < prefix.length && /[-0-9]/.test(prefix[j]!)) j++; // padding like %-10a
      const esc = prefix[j]!;
      i = j;
      if (esc === '%') re += '%';
      else if (esc === 'q') {
        optionalFrom = re.length;
      } else re += ESCAPES[esc] ?? '.*?';
    } else re += ch.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  }
  if (optionalFrom >= 0) re = `${re.slice(0, optionalFrom)}(?:${re.slice(optionalFrom)})?`;
  // A field can only be captured once per regex: rename repeated groups.
  const seen = new Set<string>();
  re = re.replace(/\(\?<(\w+)>/g, (all, name: string) => {
    if (seen.has(name)) return '(?:';
    seen.add(name);
    return all;
  });
  return new RegExp(`^${re}${SEVERITY}`);
}
