import { spawn } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { stripVTControlCharacters } from 'node:util';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';

const bin = fileURLToPath(new URL('../../bin/strangler.js', import.meta.url));

describe('strangler analyze: explorer in a terminal, plain text elsewhere', () => {
  it('in a terminal (a pseudo-terminal from util-linux `script`) opens the explorer; keys browse, q quits, then the summary is printed', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'analyze-tty-'));
    // Without CI in the environment: under CI the command stays plain even in a terminal (ink would not draw).
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== 'CI' && k !== 'CONTINUOUS_INTEGRATION'));
    // Its own process group, so a failing test can end the pseudo-terminal and the command together.
    const child = spawn('script', ['-qfec', `stty cols 120 rows 24; exec node ${bin} analyze`, '/dev/null'], { cwd: dir, env: { ...env, NO_COLOR: '1' }, detached: true });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    let closed = false;
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(((closed = true), code))));
    const screen = () => stripVTControlCharacters(out);
    /** Waits for text on the screen; fails at once, showing the screen, if the command ends without it. */
    const until = async (text: string, timeout = 10_000) => {
      for (const deadline = Date.now() + timeout; !screen().includes(text); await new Promise((r) => setTimeout(r, 100))) {
        if (closed || Date.now() > deadline) throw new Error(`${closed ? 'ended' : 'timed out'} without "${text}" on the screen:\n${screen()}`);
      }
    };
    try {
      await until('1 overview', 60_000);
      expect(screen()).toContain('extraction order: #1');
      child.stdin.write('j');
      await until('extraction order: #2');
      child.stdin.write('q');
      await until('wrote strangler-analysis/analysis.yaml');
      child.stdin.end();
      expect(await exited).toBe(0);
    } finally {
      if (!closed) process.kill(-child.pid!, 'SIGKILL');
    }
    expect(screen()).toMatch(/Proposed bounded contexts from bundled sample/);
  });

  it('with --no-interactive, a terminal gets the plain summary only', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'analyze-plain-'));
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== 'CI' && k !== 'CONTINUOUS_INTEGRATION'));
    const r = await execa('script', ['-qfec', `stty cols 120 rows 24; exec node ${bin} analyze --no-interactive`, '/dev/null'], { cwd: dir, reject: false, env: { ...env, NO_COLOR: '1' }, input: '' });
    expect(r.exitCode).toBe(0);
    const screen = stripVTControlCharacters(r.stdout);
    expect(screen).not.toContain('1 overview');
    expect(screen).toMatch(/Proposed bounded contexts from bundled sample/);
    expect(screen).toContain('wrote strangler-analysis/analysis.yaml, strangler-analysis/report.md, strangler-analysis/report.html, strangler-analysis/analysis.json');
  });
});
