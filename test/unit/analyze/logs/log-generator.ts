/**
 * Writes PostgreSQL logs for the tests, in every format strangler reads, from one list of messages: client
 * sessions logging statements (`statement:`, `duration: ... statement:`, `execute <unnamed>:` with a DETAIL of
 * parameters, multi-line SQL), failed statements (`ERROR` then `STATEMENT`, not a logged statement), and
 * background processes' lines (checkpointer, autovacuum) that have no session. Each writer renders the messages as
 * PostgreSQL (or the pipeline around it) would: a log_line_prefix's escapes, syslog's `[N-M]` numbering and `#011`,
 * RDS's fixed prefix, Heroku logplex, Cloud SQL's and CloudNativePG's JSON, csvlog and jsonlog.
 *
 * `expected` is the SQL of each logged statement in log order: what a reader must give back.
 */

export interface Session {
  pid: number;
  user: string;
  db: string;
  app: string;
  host: string;
  port: number;
  /** `%c`: hex start time . hex pid */
  id: string;
  start: string;
  /** `%l`, counted per process. */
  line: number;
  vxid: string;
  xid: number;
  backendType: string;
}

export interface Message {
  session: Session;
  /** A background process's line: no user, database or session part (what `%q` leaves out). */
  background: boolean;
  severity: 'LOG' | 'ERROR' | 'DETAIL' | 'STATEMENT' | 'HINT';
  /** The message, lines separated by \n. */
  text: string;
  sqlState: string;
  commandTag: string;
  queryId: string;
  /** Milliseconds since the start of the log. */
  at: number;
}

export interface GeneratedLog {
  messages: Message[];
  /** SQL of every logged statement, in order. */
  expected: string[];
  /** The pid of the process that logged each of `expected`. */
  expectedPids: number[];
}

/**
 * The statements of each process, in order: readers of envelopes that interleave processes (syslog, logplex)
 * give a process's statements in order, not the processes' among each other.
 */
export function byProcess(sql: readonly string[], pids: readonly (number | string | undefined)[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  sql.forEach((s, k) => (out[String(pids[k]).replace(/^pid:/, '')] ??= []).push(s));
  return out;
}

const BASE = Date.UTC(2026, 0, 2, 3, 4, 5, 678);

const QUERIES = [
  'SELECT * FROM orders WHERE id = $1',
  'select "u"."id", "u"."email" from "users" as "u" where "u"."id" = $1',
  'UPDATE carts SET quantity = quantity + 1 WHERE cart_id = $1 AND sku = $2',
  "INSERT INTO audit_log (kind, payload) VALUES ('order', '{\"a\": 1}')",
  'DELETE FROM sessions WHERE expires_at < now()',
  'SELECT p.id, p.name\nFROM products p\n  JOIN categories c ON c.id = p.category_id\nWHERE c.slug = $1\nORDER BY p.name',
  'WITH recent AS (\n  SELECT * FROM orders WHERE created_at > now() - interval \'1 day\'\n)\nSELECT count(*) FROM recent',
  "SELECT 'it''s [LOG]: not a prefix' AS note FROM shipments LIMIT 1",
];

/** A small deterministic random source (tests must read the same log every run). */
export function seeded(seed: number) {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 0x1_0000_0000;
  };
}

export interface GenerateOptions {
  /** Statements to log (BEGIN/COMMIT not included: they are added around some). */
  statements?: number;
  sessions?: number;
  seed?: number;
  /** Application names; some real ones have spaces, `[`, or are empty. */
  apps?: string[];
  users?: string[];
  /** Tag statements with sqlcommenter routes (`/*route='GET%20%2Forders',module='orders'*\/`), most requests. */
  routes?: boolean;
}

const ROUTES = [
  ["GET%20%2Forders", 'orders'],
  ["POST%20%2Fcarts", 'carts'],
  ["GET%20%2Fproducts", 'catalog'],
] as const;

/** The messages of a log: client sessions interleaved, with background lines between them. */
export function generateMessages(options: GenerateOptions = {}): GeneratedLog {
  const rand = seeded(options.seed ?? 7);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const apps = options.apps ?? ['shop-api', 'psql', 'worker'];
  const users = options.users ?? ['shop', 'report_ro'];
  const sessions: Session[] = Array.from({ length: options.sessions ?? 4 }, (_, k) => {
    const pid = 4100 + k * 37;
    return {
      pid,
      user: users[k % users.length]!,
      db: k % 3 === 2 ? 'shop_archive' : 'shop',
      app: apps[k % apps.length]!,
      host: `10.0.${k}.${20 + k}`,
      port: 50_000 + k,
      id: `${(0x6577a1c2 + k).toString(16)}.${pid.toString(16)}`,
      start: '2026-01-02 03:00:00 UTC',
      line: 0,
      vxid: `${k + 3}/${1000 + k}`,
      xid: 0,
      backendType: 'client backend',
    };
  });
  const checkpointer: Session = { ...sessions[0]!, pid: 77, user: '', db: '', app: '', host: '', id: '6577a000.4d', line: 0, vxid: '', xid: 0, backendType: 'checkpointer' };
  const messages: Message[] = [];
  const expected: string[] = [];
  const expectedPids: number[] = [];
  let at = 0;
  const add = (session: Session, severity: Message['severity'], text: string, extra: Partial<Message> = {}) => {
    session.line++;
    at += 1 + Math.floor(rand() * 40);
    messages.push({ session, background: false, severity, text, sqlState: '00000', commandTag: 'SELECT', queryId: String(-4242 + session.pid), at, ...extra });
  };
  const total = options.statements ?? 24;
  let written = 0;
  while (written < total) {
    const s = pick(sessions);
    const r = rand();
    if (r < 0.08) {
      add(checkpointer, 'LOG', 'checkpoint starting: time', { background: true, commandTag: '' });
      continue;
    }
    if (r < 0.14) {
      add(s, 'ERROR', 'relation "missing_table" does not exist at character 15', { sqlState: '42P01' });
      add(s, 'STATEMENT', 'SELECT * FROM missing_table', { sqlState: '42P01' });
      continue;
    }
    const inTx = r < 0.3;
    // Each request (group of statements) is a new virtual transaction of the session.
    s.vxid = `${s.vxid.split('/')[0]}/${1000 + messages.length}`;
    const tag = options.routes && rand() < 0.7 ? (([route, module]) => ` /*route='${route}',module='${module}'*/`)(pick(ROUTES)) : '';
    if (inTx) {
      s.xid = 700 + written;
      add(s, 'LOG', 'statement: BEGIN', { commandTag: 'BEGIN' });
      expected.push('BEGIN');
      expectedPids.push(s.pid);
    }
    const n = inTx ? 2 : 1;
    for (let i = 0; i < n && written < total; i++) {
      const sql = `${pick(QUERIES)}${tag}`;
      const kind = rand();
      if (kind < 0.4) add(s, 'LOG', `statement: ${sql}`);
      else if (kind < 0.7) add(s, 'LOG', `duration: ${(rand() * 20).toFixed(3)} ms  statement: ${sql}`);
      else {
        add(s, 'LOG', `execute <unnamed>: ${sql}`);
        add(s, 'DETAIL', `Parameters: $1 = '${Math.floor(rand() * 100)}', $2 = 'sku-1'`);
      }
      expected.push(sql);
      expectedPids.push(s.pid);
      written++;
    }
    if (inTx) {
      add(s, 'LOG', 'statement: COMMIT', { commandTag: 'COMMIT' });
      expected.push('COMMIT');
      expectedPids.push(s.pid);
      s.xid = 0;
    }
  }
  return { messages, expected, expectedPids };
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');
function timestamp(at: number, millis: boolean): string {
  const d = new Date(BASE + at);
  const base = `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
  return millis ? `${base}.${pad(d.getUTCMilliseconds(), 3)} UTC` : `${base} UTC`;
}
const iso = (at: number) => new Date(BASE + at).toISOString();

/** One escape of log_line_prefix, rendered as PostgreSQL does (empty where the process has no such field). */
function escapeValue(esc: string, m: Message): string {
  const s = m.session;
  const bg = m.background;
  switch (esc) {
    case 'm': return timestamp(m.at, true);
    case 't': return timestamp(m.at, false);
    case 'n': return ((BASE + m.at) / 1000).toFixed(3);
    case 'p': return String(s.pid);
    case 'l': return String(s.line);
    case 'u': return bg ? '' : s.user;
    case 'd': return bg ? '' : s.db;
    case 'a': return bg ? '' : s.app;
    case 'h': return bg ? '' : s.host;
    case 'r': return bg ? '' : `${s.host}(${s.port})`;
    case 'x': return String(s.xid);
    case 'v': return bg ? '' : s.vxid;
    case 'c': return s.id;
    case 's': return s.start;
    case 'Q': return bg ? '0' : m.queryId;
    case 'e': return m.sqlState;
    case 'b': return s.backendType;
    case 'i': return bg ? '' : m.commandTag;
    case '%': return '%';
    default: throw new Error(`log-generator: escape %${esc} is not rendered`);
  }
}

/** The prefix of one line: `%q` ends it for background processes, as in PostgreSQL. */
export function renderPrefix(prefix: string, m: Message): string {
  let out = '';
  for (let i = 0; i < prefix.length; i++) {
    const ch = prefix[i]!;
    if (ch !== '%' || i + 1 >= prefix.length) {
      out += ch;
      continue;
    }
    const esc = prefix[++i]!;
    if (esc === 'q') {
      if (m.background) return out;
      continue;
    }
    out += escapeValue(esc, m);
  }
  return out;
}

export interface StderrOptions {
  /** How a message's later lines are indented: PostgreSQL writes a tab; some collectors turn it into spaces. */
  continuation?: 'tab' | 'spaces';
}

/** The lines of a message as PostgreSQL writes them to stderr. */
function messageLines(prefix: string, m: Message, continuation: 'tab' | 'spaces'): string[] {
  const [first, ...rest] = m.text.split('\n');
  const indent = continuation === 'tab' ? '\t' : '    ';
  return [`${renderPrefix(prefix, m)}${m.severity}:  ${first}`, ...rest.map((l) => `${indent}${l}`)];
}

export function stderrLog(log: GeneratedLog, prefix: string, options: StderrOptions = {}): string {
  return `${log.messages.flatMap((m) => messageLines(prefix, m, options.continuation ?? 'tab')).join('\n')}\n`;
}

/** AWS RDS and Aurora: stderr with the fixed prefix `%t:%r:%u@%d:[%p]:`. */
export function rdsLog(log: GeneratedLog): string {
  return stderrLog(log, '%t:%r:%u@%d:[%p]:');
}

export interface SyslogOptions {
  /** Split messages longer than this over `[N-2]`, `[N-3]`... parts at a space, as PostgreSQL's syslog writer does. */
  partChars?: number;
  /** rsyslog's ISO timestamps instead of the BSD `Jan  2 03:04:05`. */
  isoTime?: boolean;
}

/**
 * syslog as rsyslog writes it: `Jan  2 03:04:05 host postgres[pid]: [N-M] prefix...`, N counting the process's
 * messages and M the lines (and parts) of one; the tab starting a continuation line written as `#011`.
 */
export function syslogLog(log: GeneratedLog, prefix: string, options: SyslogOptions = {}): string {
  const counters = new Map<number, number>();
  const out: string[] = [];
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  for (const m of log.messages) {
    const pid = m.session.pid;
    const n = (counters.get(pid) ?? 0) + 1;
    counters.set(pid, n);
    const d = new Date(BASE + m.at);
    const time = options.isoTime
      ? iso(m.at).replace('Z', '+00:00')
      : `${months[d.getUTCMonth()]} ${String(d.getUTCDate()).padStart(2, ' ')} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
    const parts = messageLines(prefix, m, 'tab').flatMap((l) => splitAtSpace(l.replace(/^\t/, '#011'), options.partChars ?? Infinity));
    parts.forEach((p, k) => out.push(`${time} db-host postgres[${pid}]: [${n}-${k + 1}] ${p}`));
  }
  return `${out.join('\n')}\n`;
}

function splitAtSpace(line: string, limit: number): string[] {
  const out: string[] = [];
  let rest = line;
  while (rest.length > limit) {
    let cut = rest.lastIndexOf(' ', limit);
    if (cut <= 0) cut = limit;
    out.push(rest.slice(0, cut));
    rest = rest.slice(cut);
  }
  out.push(rest);
  return out;
}

/**
 * Heroku logplex: `2026-01-02T03:04:05+00:00 app[postgres.pid]: [COLOR] [N-M]  sql_error_code = 00000 LOG: ...`
 * (`newer`: the drain's `d.<uuid>` host and no colon after the process), the prefix repeated on every line.
 */
export function logplexLog(log: GeneratedLog, options: { newer?: boolean } = {}): string {
  const counters = new Map<number, number>();
  const out: string[] = [];
  for (const m of log.messages) {
    const pid = m.session.pid;
    const n = (counters.get(pid) ?? 0) + 1;
    counters.set(pid, n);
    const head = options.newer
      ? `${iso(m.at).replace(/\.\d+Z$/, '+00:00')} d.2b6a7c34-1e4f-4a55-9a1e-6f3f0d8c1b2a app[postgres.${pid}] [AQUA]`
      : `${iso(m.at).replace(/\.\d+Z$/, '+00:00')} app[postgres.${pid}]: [GREEN]`;
    messageLines(' sql_error_code = %e ', m, 'tab').forEach((l, k) => out.push(`${head} [${n}-${k + 1}] ${l}`));
  }
  return `${out.join('\n')}\n`;
}

/** Google Cloud SQL (Cloud Logging export): one JSON entry a message, the line in textPayload; other logs' entries between. */
export function cloudSqlLog(log: GeneratedLog): string {
  const out: string[] = [];
  log.messages.forEach((m, k) => {
    if (k % 5 === 0) out.push(JSON.stringify({ insertId: `a${k}`, logName: 'projects/p/logs/cloudaudit.googleapis.com%2Factivity', protoPayload: { methodName: 'cloudsql.instances.get' }, severity: 'NOTICE', timestamp: iso(m.at) }));
    const textPayload = messageLines('[%p]: [%l-1] db=%d,user=%u ', m, 'tab').join('\n');
    out.push(JSON.stringify({ insertId: `s${k}`, logName: 'projects/p/logs/cloudsql.googleapis.com%2Fpostgres.log', resource: { type: 'cloudsql_database', labels: { database_id: 'p:db' } }, severity: m.severity === 'ERROR' ? 'ERROR' : 'INFO', textPayload, timestamp: iso(m.at) }));
  });
  return `${out.join('\n')}\n`;
}

/** The csvlog columns of a message (PostgreSQL 14+: 26 columns). */
function csvFields(m: Message): (string | number)[] {
  const s = m.session;
  const bg = m.background;
  const detail = m.severity === 'DETAIL' ? m.text : '';
  return [timestamp(m.at, true), bg ? '' : s.user, bg ? '' : s.db, s.pid, bg ? '' : `${s.host}:${s.port}`, s.id, s.line, bg ? '' : m.commandTag, s.start, bg ? '' : s.vxid, s.xid, m.severity, m.sqlState, m.text, detail, '', '', '', '', '', '', '', bg ? '' : s.app, s.backendType, '', m.queryId];
}

/**
 * csvlog. PostgreSQL writes a DETAIL in the same record as its message; here a DETAIL message fills the detail
 * column of the record before it. `quoteAll` quotes every field, the time too (as some exports do).
 */
export function csvLog(log: GeneratedLog, options: { quoteAll?: boolean } = {}): string {
  const quote = (v: string | number) => `"${String(v).replace(/"/g, '""')}"`;
  const rows: (string | number)[][] = [];
  for (const m of log.messages) {
    if (m.severity === 'DETAIL' && rows.length > 0) {
      rows[rows.length - 1]![14] = m.text;
      continue;
    }
    rows.push(csvFields(m));
  }
  const textColumns = new Set([1, 2, 4, 7, 13, 14, 22, 23]);
  return rows.map((r) => r.map((v, i) => (options.quoteAll || (textColumns.has(i) && v !== '') ? quote(v) : String(v))).join(',')).join('\n') + '\n';
}

/** PostgreSQL's jsonlog: one object per message (DETAIL merged into the message before it, as in csvlog). */
export function jsonLog(log: GeneratedLog): string {
  const out: Record<string, unknown>[] = [];
  for (const m of log.messages) {
    if (m.severity === 'DETAIL' && out.length > 0) {
      out[out.length - 1]!.detail = m.text;
      continue;
    }
    const s = m.session;
    out.push({ timestamp: timestamp(m.at, true), user: m.background ? undefined : s.user, dbname: m.background ? undefined : s.db, pid: s.pid, session_id: s.id, line_num: s.line, vxid: s.vxid || undefined, txid: s.xid, error_severity: m.severity, message: m.text, application_name: m.background ? undefined : s.app, backend_type: s.backendType, query_id: Number(m.queryId) });
  }
  return `${out.map((o) => JSON.stringify(o)).join('\n')}\n`;
}

/** CloudNativePG: the operator's JSON lines, PostgreSQL's in `record` (csvlog's columns by name), its own between. */
export function cnpgLog(log: GeneratedLog): string {
  const out: string[] = [];
  let last: Record<string, unknown> | undefined;
  const lines: Record<string, unknown>[] = [];
  log.messages.forEach((m, k) => {
    if (m.severity === 'DETAIL' && last) {
      last.detail = m.text;
      return;
    }
    if (k % 7 === 0) lines.push({ level: 'info', ts: (BASE + m.at) / 1000, logger: 'wal-archive', msg: 'Archived WAL file', logging_pod: 'shop-pg-1' });
    const s = m.session;
    last = { log_time: timestamp(m.at, true), user_name: m.background ? '' : s.user, database_name: m.background ? '' : s.db, process_id: String(s.pid), connection_from: m.background ? '' : `${s.host}:${s.port}`, session_id: s.id, session_line_num: String(s.line), command_tag: m.commandTag, session_start_time: s.start, virtual_transaction_id: s.vxid, transaction_id: String(s.xid), error_severity: m.severity, sql_state_code: m.sqlState, message: m.text, application_name: s.app, backend_type: s.backendType };
    lines.push({ level: 'info', ts: (BASE + m.at) / 1000, logger: 'postgres', msg: 'record', logging_pod: 'shop-pg-1', record: last });
  });
  for (const l of lines) out.push(JSON.stringify(l));
  return `${out.join('\n')}\n`;
}
