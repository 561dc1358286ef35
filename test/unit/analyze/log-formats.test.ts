// Every log format strangler reads, recognised with no flags from logs generated here: syslog (numbering, #011
// continuations, messages split over parts, processes interleaved), AWS RDS/Aurora, Heroku logplex (both
// layouts), Google Cloud SQL, CloudNativePG, csvlog (first field quoted or not) and jsonlog.
import { describe, expect, it } from 'vitest';
import { byProcess, cloudSqlLog, cnpgLog, csvLog, generateMessages, type GeneratedLog, jsonLog, logplexLog, rdsLog, syslogLog } from './logs/log-generator.ts';
import { type ReadLog, readDetected, tempFile } from './logs/read-log.ts';

/** What was read, and what was logged, per process (the sessions of these logs are `pid:N`). */
const perProcess = (read: ReadLog, log: GeneratedLog, view = (s: string) => s) => ({
  read: byProcess(read.statements.map((s) => view(s.sql)), read.statements.map((s) => s.session)),
  logged: byProcess(log.expected.map(view), log.expectedPids),
});

const squash = (s: string) => s.replace(/\s+/g, ' ').trim();

describe('syslog', () => {
  const log = generateMessages({ statements: 60, seed: 31, sessions: 5 });

  it.each(['db=%d,user=%u,app=%a,client=%h ', '%q%u@%d ', 'user=%u,db=%d '])('reads [N-M] numbering and #011 continuations, prefix %j inferred', async (prefix) => {
    const text = syslogLog(log, prefix);
    expect(text).toContain('#011');
    const read = await readDetected(await tempFile(`syslog-${prefix.length}.log`, text));
    expect(read.format).toBe('syslog');
    const { read: got, logged } = perProcess(read, log);
    expect(got).toEqual(logged);
    expect(read.stats.skippedLines).toBe(0);
    const first = read.statements.find((s) => s.sql !== 'BEGIN')!;
    expect(first.session).toMatch(/^pid:\d+$/);
  });

  it('joins a long message split over parts, and rsyslog ISO timestamps', async () => {
    const text = syslogLog(log, 'user=%u,db=%d ', { partChars: 60, isoTime: true });
    expect(text).toMatch(/\[\d+-3\] /);
    const read = await readDetected(await tempFile('syslog-parts.log', text));
    expect(read.format).toBe('syslog');
    const { read: got, logged } = perProcess(read, log, squash);
    expect(got).toEqual(logged);
  });

  it('keeps the messages of interleaved processes apart', async () => {
    // A message's continuation lines go after the next line of another process.
    const lines = syslogLog(log, 'user=%u,db=%d ').trimEnd().split('\n');
    const interleaved: string[] = [];
    let held: string[] = [];
    let heldPid = '';
    const pidOf = (l: string) => /postgres\[(\d+)\]/.exec(l)![1]!;
    for (const l of lines) {
      if (!/\[\d+-1\] /.test(l)) {
        held.push(l);
        continue;
      }
      // A process's first line: the continuation lines of another process's message go after it.
      if (pidOf(l) === heldPid) interleaved.push(...held, l);
      else interleaved.push(l, ...held);
      held = [];
      heldPid = pidOf(l);
    }
    interleaved.push(...held);
    const read = await readDetected(await tempFile('syslog-interleaved.log', `${interleaved.join('\n')}\n`));
    const { read: got, logged } = perProcess(read, log);
    expect(got).toEqual(logged);
  });
});

describe('managed services', () => {
  const log = generateMessages({ statements: 50, seed: 41 });

  it('AWS RDS / Aurora: the fixed %t:%r:%u@%d:[%p]: prefix', async () => {
    const read = await readDetected(await tempFile('rds.log', rdsLog(log)));
    expect(read).toMatchObject({ format: 'rds', logLinePrefix: '%t:%r:%u@%d:[%p]:' });
    expect(read.statements.map((s) => s.sql)).toEqual(log.expected);
    expect(read.statements[0]).toMatchObject({ user: log.messages[0]!.session.user, database: log.messages[0]!.session.db });
  });

  it.each([false, true])('Heroku logplex (newer layout: %s)', async (newer) => {
    const read = await readDetected(await tempFile(`logplex-${newer}.log`, logplexLog(log, { newer })));
    expect(read.format).toBe('logplex');
    const { read: got, logged } = perProcess(read, log);
    expect(got).toEqual(logged);
    expect(read.stats.skippedLines).toBe(0);
  });

  it('Google Cloud SQL: textPayload of the postgres log, other entries ignored', async () => {
    const read = await readDetected(await tempFile('cloudsql.json', cloudSqlLog(log)));
    expect(read.format).toBe('cloudsql');
    expect(read.statements.map((s) => s.sql)).toEqual(log.expected);
    expect(read.statements.find((s) => s.sql !== 'BEGIN')).toMatchObject({ user: expect.any(String), database: expect.any(String) });
    expect(read.stats.skippedLines).toBe(0);
  });

  it("CloudNativePG: the operator's JSON lines, PostgreSQL's records in them", async () => {
    const read = await readDetected(await tempFile('cnpg.json', cnpgLog(log)));
    expect(read.format).toBe('cnpg');
    expect(read.statements.map((s) => s.sql)).toEqual(log.expected);
    const executes = log.messages.filter((m) => m.severity === 'DETAIL').length;
    expect(read.statements.filter((s) => s.params).length).toBe(executes);
    expect(read.stats.skippedLines).toBe(0);
  });
});

describe('csvlog and jsonlog', () => {
  const log = generateMessages({ statements: 50, seed: 51 });

  it.each([false, true])('csvlog with every field quoted (the time too): %s', async (quoteAll) => {
    const text = csvLog(log, { quoteAll });
    expect(text.startsWith('"')).toBe(quoteAll);
    const read = await readDetected(await tempFile(`log-${quoteAll}.csv`, text));
    expect(read.format).toBe('csvlog');
    expect(read.statements.map((s) => s.sql)).toEqual(log.expected);
    expect(read.statements.find((s) => s.sql !== 'BEGIN')!.session).toMatch(/^[0-9a-f]+\.[0-9a-f]+$/);
    expect(read.stats.skippedLines).toBe(0);
  });

  it('jsonlog', async () => {
    const read = await readDetected(await tempFile('log.json', jsonLog(log)));
    expect(read.format).toBe('jsonlog');
    expect(read.statements.map((s) => s.sql)).toEqual(log.expected);
  });
});
