// Bad log inputs through the command line: one clear line, the documented exit code, nothing written; with
// --json the error is JSON on stdout too.
import { existsSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../../src/cli.ts';
import { generateMessages, stderrLog } from './logs/log-generator.ts';
import { tempFile } from './logs/read-log.ts';

async function strangler(args: string[]) {
  let stdout = '';
  let stderr = '';
  const out = await mkdtemp(path.join(os.tmpdir(), 'strangler-cli-'));
  const code = await main(['node', 'strangler', ...args, '--no-interactive', '--out', out], {
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s) },
    env: { NO_COLOR: '1' },
  });
  return { code, stdout, stderr, wrote: existsSync(path.join(out, 'analysis.yaml')) };
}

const good = () => tempFile('good.log', stderrLog(generateMessages({ statements: 30, seed: 71 }), '%m [%p] %q%u@%d '));

describe('analyze --logs: bad input', () => {
  it('a missing file among several exits 2, naming it, and writes nothing', async () => {
    const missing = path.join(os.tmpdir(), 'strangler-no-such-dir', 'postgresql.log');
    const r = await strangler(['analyze', '--logs', await good(), missing]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain(`${missing}: cannot be read (ENOENT)`);
    expect(r.wrote).toBe(false);
  });

  it('a log whose format is not recognised: exit 2, the hint names --log-line-prefix and --log-format', async () => {
    const f = await tempFile('unknown.log', 'these lines\nare not a PostgreSQL log\nat all\n');
    const r = await strangler(['analyze', '--logs', f]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${f}: unknown log format`);
    expect(r.stderr).toContain('--log-line-prefix');
    expect(r.stderr).toContain('--log-format');
    expect(r.wrote).toBe(false);
  });

  it('an unrecognised file next to good ones is skipped with a warning; the good ones are read', async () => {
    const f = await tempFile('unknown2.log', 'not a log\n');
    const r = await strangler(['--json', 'analyze', '--logs', await good(), f]);
    expect(r.code).toBe(0);
    const result = JSON.parse(r.stdout) as { warnings: string[]; inputs: { logs: { format: string }[] } };
    expect(result.warnings.some((w) => w.startsWith(`${f}: unknown log format`))).toBe(true);
    expect(result.inputs.logs.map((x) => x.format)).toEqual(['stderr']);
  });

  it('with --json, errors are JSON on stdout (and one line on stderr)', async () => {
    const missing = path.join(os.tmpdir(), 'strangler-no-such-dir', 'a.log');
    const r = await strangler(['--json', 'analyze', '--logs', missing]);
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stdout)).toEqual({ error: { message: `${missing}: cannot be read (ENOENT)`, hint: expect.stringContaining('--logs'), exitCode: 2, kind: 'UsageError' } });
    expect(r.stderr).toContain('cannot be read');
    const bad = await strangler(['--json', 'analyze', '--log-format', 'nope']);
    expect(bad.code).toBe(2);
    expect(JSON.parse(bad.stdout).error).toMatchObject({ exitCode: 2, kind: 'UsageError', message: expect.stringContaining('nope') });
  });

  it('a glob that matches nothing exits 2', async () => {
    const r = await strangler(['--json', 'analyze', '--logs', path.join(os.tmpdir(), 'strangler-none-*.log')]);
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stdout).error.message).toContain('no file matches');
  });
});
