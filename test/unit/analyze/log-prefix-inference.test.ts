// stderr logs read with no flags: the log_line_prefix is inferred from the lines, whatever mix of escapes and free
// text it has, and the statements come back as they were logged (with user, database and session where the
// prefix has them). A given --log-line-prefix or --log-format always wins over what detection would find.
import { describe, expect, it } from 'vitest';
import { detectLog } from '../../../src/analyzers/logs/detect-format.ts';
import { inferLogLinePrefix } from '../../../src/analyzers/logs/infer-prefix.ts';
import { generateMessages, renderPrefix, stderrLog } from './logs/log-generator.ts';
import { readDetected, tempFile } from './logs/read-log.ts';

const PREFIXES = [
  '%t [%p] ',
  '%m [%p] ',
  '%m [%p] %q%u@%d ',
  '%m [%p] %q%u@%d/%a %x ',
  '%t [%p]: [%l-1] ',
  '%t [%p]: [%l-1] user=%u,db=%d,app=%a,client=%h ',
  '%t [%p]: [%l-1] db=%d,user=%u ',
  '%t [%p]: db=%d,user=%u,app=%a,client=%h ',
  '%t:%r:%u@%d:[%p]:',
  '%m [%p] [%v] [%x] %q%u@%d ',
  '%m [%p] [queryid=%Q] %q%u@%d ',
  '%n [%p] ',
  '%m [%p] %c %l %s ',
  '< %m %r %u %d %a > ',
  '%t [%p-%l] %q%u@%d ',
  '%m [%p] %e %q%u@%d ',
  'time=%m pid=%p user=%u db=%d app=%a client=%r xid=%x ',
  '%t [%p]: [%l-1] host=%h,user=%u,db=%d,app=%a,tx=%x,sqlstate=%e,qid=%Q ',
  '%m %p %c %x %v %i ',
  '%m [%p] %b %u@%d ',
  '%m|%p|%u|%d|%a| ',
  '[%p] %m %q%u@%d ',
  '%t %h %p %l ',
  'pg: %m [%p] %q[%u@%d] ',
];

const fieldsOf = (prefix: string) => ({ user: prefix.includes('%u'), db: prefix.includes('%d'), session: prefix.includes('%c') });

describe('log_line_prefix inferred from the lines', () => {
  it.each(PREFIXES)('reads %j with no flags', async (prefix) => {
    const log = generateMessages({ statements: 40, seed: prefix.length });
    const f = await tempFile(`inferred-${PREFIXES.indexOf(prefix)}.log`, stderrLog(log, prefix));
    const read = await readDetected(f);
    expect(read.format).toBe(prefix === '%t:%r:%u@%d:[%p]:' ? 'rds' : 'stderr');
    expect(read.statements.map((s) => s.sql)).toEqual(log.expected);
    expect(read.stats.skippedLines).toBe(0);
    // The fields the prefix has come back with the statements.
    const has = fieldsOf(prefix);
    const first = read.statements[0]!;
    const session = log.messages.find((m) => m.text.endsWith(first.sql) && m.severity === 'LOG')!.session;
    if (has.user) expect(first.user).toBe(session.user);
    if (has.db) expect(first.database).toBe(session.db);
    if (has.session) expect(first.session).toBe(session.id);
    else if (prefix.includes('%p')) expect(first.session).toBe(`pid:${session.pid}`);
  });

  it('takes the %q form when background lines leave the session part out', () => {
    const log = generateMessages({ statements: 30, seed: 3 });
    const lines = stderrLog(log, '%m [%p] %q%u@%d/%a ').split('\n');
    const inferred = inferLogLinePrefix(lines)!;
    expect(inferred.matched).toBe(inferred.lines);
    expect(inferred.prefix).toContain('%q');
  });

  it('finds the %q form even when the first lines are all of background processes', () => {
    const background = generateMessages({ statements: 1, seed: 1 }).messages[0]!;
    const bg = { ...background, background: true, severity: 'LOG' as const, text: 'database system is ready to accept connections' };
    const log = generateMessages({ statements: 10, seed: 5 });
    const lines = [...Array.from({ length: 8 }, () => `${renderPrefix('%m [%p] %q%u@%d ', bg)}LOG:  ${bg.text}`), ...stderrLog(log, '%m [%p] %q%u@%d ').split('\n')];
    const inferred = inferLogLinePrefix(lines)!;
    expect(inferred.matched).toBe(inferred.lines);
  });

  it('reads application names with spaces and brackets', async () => {
    const log = generateMessages({ statements: 30, seed: 11, apps: ['PostgreSQL JDBC Driver', 'pgAdmin 4 - DB:shop', '[unknown]'] });
    const prefix = '%m [%p] %q%u@%d/%a ';
    const read = await readDetected(await tempFile('apps.log', stderrLog(log, prefix)));
    expect(read.statements.map((s) => s.sql)).toEqual(log.expected);
  });

  it('reads continuation lines indented with spaces', async () => {
    const log = generateMessages({ statements: 40, seed: 21 });
    const read = await readDetected(await tempFile('spaces.log', stderrLog(log, '%m [%p] %q%u@%d ', { continuation: 'spaces' })));
    const squash = (s: string) => s.replace(/\s+/g, ' ');
    expect(read.statements.map((s) => squash(s.sql))).toEqual(log.expected.map(squash));
    expect(read.statements.some((s) => s.sql.includes('\n'))).toBe(true);
  });
});

describe('what the user gives wins', () => {
  const log = generateMessages({ statements: 20, seed: 9 });

  it('a given --log-line-prefix is used as given', async () => {
    const prefix = '%m [%p] %q%u@%d/%a %x ';
    const f = await tempFile('given.log', stderrLog(log, prefix));
    const read = await readDetected(f, { logLinePrefix: prefix });
    expect(read.logLinePrefix).toBe(prefix);
    expect(read.statements.map((s) => s.sql)).toEqual(log.expected);
  });

  it('a prefix starting with [ is a text log when it is given, not a JSON export', async () => {
    const prefix = '[%p] %m %q%u@%d ';
    const text = stderrLog(log, prefix);
    expect(text.startsWith('[')).toBe(true);
    const read = await readDetected(await tempFile('bracket.log', text), { logLinePrefix: prefix });
    expect(read.format).toBe('stderr');
    expect(read.statements.map((s) => s.sql)).toEqual(log.expected);
    // A JSON array is still a pg_stat_statements export.
    expect(detectLog(['[{"query": "select 1", "calls": 3}]'])?.format).toBe('pg_stat_statements');
  });

  it('--log-format names the format even when the lines look like another', () => {
    const lines = stderrLog(log, '%t:%r:%u@%d:[%p]:').split('\n');
    expect(detectLog(lines)?.format).toBe('rds');
    expect(detectLog(lines, { format: 'stderr' })).toMatchObject({ format: 'stderr', logLinePrefix: '%t:%r:%u@%d:[%p]:' });
    expect(detectLog(lines, { format: 'csvlog' })).toEqual({ format: 'csvlog' });
  });

  it('a given prefix wins over the inferred one, even where both read the lines', () => {
    const lines = stderrLog(log, '%m [%p] %q%u@%d ').split('\n');
    expect(detectLog(lines)?.logLinePrefix).toContain('%q');
    expect(detectLog(lines, { logLinePrefix: '%m [%p] %u@%d ' })?.logLinePrefix).toBe('%m [%p] %u@%d ');
    expect(detectLog(lines, { format: 'stderr', logLinePrefix: '%m [%p] ' })?.logLinePrefix).toBe('%m [%p] ');
  });
});
