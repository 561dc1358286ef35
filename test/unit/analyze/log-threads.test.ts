// A big plain log is cut at record boundaries into pieces read by worker threads; merged in order, the summary is
// the one a single thread gives: statements, shapes (first seen at the same line), transactions that span a cut,
// requests, unparsed statements and skipped lines.
import { readFile, stat } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { detectFile } from '../../../src/analyzers/logs/open-log.ts';
import { splitOffsets } from '../../../src/analyzers/logs/split-log.ts';
import { summarizeTraffic } from '../../../src/analyzers/logs/summarize-traffic.ts';
import { csvLog, generateMessages, jsonLog, rdsLog, stderrLog, syslogLog } from './logs/log-generator.ts';
import { tempFile } from './logs/read-log.ts';

const log = generateMessages({ statements: 2500, sessions: 12, seed: 81, routes: true });
const FILES: [string, () => string][] = [
  ['stderr.log', () => `${stderrLog(log, '%m [%p] %q%u@%d/%a %v ')}garbage line that is not a log line\n${stderrLog(generateMessages({ statements: 40, seed: 82 }), '%m [%p] %q%u@%d/%a %v ').replace('SELECT *', 'SELEKT *')}`],
  ['log.csv', () => csvLog(log)],
  ['log.json', () => jsonLog(log)],
  ['syslog', () => syslogLog(log, 'user=%u,db=%d,app=%a ')],
  ['rds.log', () => rdsLog(log)],
];

describe('worker threads', () => {
  it.each(FILES)('%s: the same summary from 1 thread and from 2 and 3', async (name, content) => {
    const f = await tempFile(`threads-${name}`, content());
    const one = await summarizeTraffic({ files: [f], threads: 1 });
    const { detected } = await detectFile(f, {});
    for (const threads of [2, 3]) {
      const offsets = await splitOffsets(f, (await stat(f)).size, detected!, threads);
      expect(offsets, `${name} cut in ${threads}`).toHaveLength(threads + 1);
      const split = await summarizeTraffic({ files: [f], threads, splitBytes: 1 });
      expect(split, `${name} in ${threads} threads`).toEqual(one);
    }
    // And with every piece read (and sent back) by worker threads.
    const workers = await summarizeTraffic({ files: [f], threads: 2, splitBytes: 1, workersOnly: true });
    expect(workers, `${name} in 2 worker threads`).toEqual(one);
    // What is compared holds transactions of several statements and requests (the pieces' sessions were merged).
    expect(one.transactions.some((t) => t.tables.length > 1)).toBe(true);
    expect(one.requests.length).toBeGreaterThan(0);
  }, 120_000); // worker threads start slowly on the shared machines

  it('cuts only before a record: each piece starts with a record', async () => {
    const f = await tempFile('cuts.csv', csvLog(log));
    const text = await readFile(f, 'latin1');
    const { detected } = await detectFile(f, {});
    const offsets = await splitOffsets(f, text.length, detected!, 7);
    expect(offsets.length).toBeGreaterThan(2);
    for (const at of offsets.slice(1, -1)) {
      expect(text[at - 1]).toBe('\n');
      expect(text.slice(at, at + 30)).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} UTC,/);
    }
  });

  it('a small or compressed file is read in one piece', async () => {
    const f = await tempFile('small.log', stderrLog(log, '%m [%p] '));
    const summary = await summarizeTraffic({ files: [f], threads: 4 });
    expect(summary.statements).toBe(log.expected.length);
  });
});
