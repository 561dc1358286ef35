import { describe, expect, it } from 'vitest';
import { createAnalyzeProgress } from '../../../src/report/analyze-progress.ts';

describe('analyze progress line', () => {
  it('shows statements read, statements per second since reading started, and the time in the step', () => {
    const written: string[] = [];
    let t = 0;
    const p = createAnalyzeProgress({ write: (s) => written.push(s) }, { now: () => t, tickMs: 0 });
    t = 500;
    p.onProgress('reading 2 log file(s)');
    t = 2_500;
    p.onProgress('50,000 statements (a.csv)');
    t = 4_500;
    p.onProgress('150,000 statements (b.csv)');
    t = 5_000;
    p.onProgress('scanning code in /src');
    t = 17_000;
    p.onProgress('scanning code in /src');
    t = 19_000;
    p.onProgress('1,000 files of 9,000 (code)');
    p.done();
    expect(written).toEqual([
      '\r\x1b[2Kreading 2 log file(s) · 0.0 s',
      '\r\x1b[2K50,000 statements (a.csv) · 25,000 statements/s · 2.0 s',
      '\r\x1b[2K150,000 statements (b.csv) · 37,500 statements/s · 4.0 s',
      '\r\x1b[2Kscanning code in /src · 0.0 s',
      '\r\x1b[2Kscanning code in /src · 12 s',
      '\r\x1b[2K1,000 files of 9,000 (code) · 71 files/s · 14 s',
      '\r\x1b[2K',
    ]);
  });

  it('writes nothing when nothing happened', () => {
    const written: string[] = [];
    const p = createAnalyzeProgress({ write: (s) => written.push(s) }, { tickMs: 0 });
    p.done();
    expect(written).toEqual([]);
  });
});
