// Compressed logs are recognised by their magic bytes (not their names) and streamed: gzip through node's zlib,
// bzip2, xz and zstd through the system's tools. A truncated file is read up to the damage, with a warning; a
// missing tool is an environment error (exit 3) that says which package to install.
import { execFileSync } from 'node:child_process';
import { readFile, truncate, stat } from 'node:fs/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { compressionOf } from '../../../src/analyzers/logs/read-text.ts';
import { summarizeTraffic } from '../../../src/analyzers/logs/summarize-traffic.ts';
import { EnvironmentError } from '../../../src/errors.ts';
import { ensureTool } from './logs/ensure-tool.ts';
import { generateMessages, stderrLog } from './logs/log-generator.ts';
import { readDetected, tempFile } from './logs/read-log.ts';

const TOOLS = [
  { compression: 'gzip', command: 'gzip', pkg: 'gzip' },
  { compression: 'bzip2', command: 'bzip2', pkg: 'bzip2' },
  { compression: 'xz', command: 'xz', pkg: 'xz-utils' },
  { compression: 'zstd', command: 'zstd', pkg: 'zstd' },
] as const;

const log = generateMessages({ statements: 3000, seed: 61, sessions: 8 });
const text = stderrLog(log, '%m [%p] %q%u@%d/%a ');

async function compressed(command: string, name: string, content = text): Promise<string> {
  await ensureTool(command, TOOLS.find((t) => t.command === command)!.pkg);
  const plain = await tempFile(`${name}.plain`, content);
  // bzip2 in its smallest blocks (100 kB): a truncated file still has whole blocks before the damage.
  const bytes = execFileSync(command, command === 'bzip2' ? ['-1', '-c', plain] : ['-c', plain], { maxBuffer: 1 << 28 });
  return tempFile(name, bytes);
}

describe('compressed logs', () => {
  it.each(TOOLS)('$compression is recognised by its magic bytes, whatever the file is called', async ({ compression, command }) => {
    // Named like a plain log: only the content says it is compressed.
    const f = await compressed(command, `${compression}-postgresql.log`);
    expect(await compressionOf(f)).toBe(compression);
    const read = await readDetected(f);
    expect(read.format).toBe('stderr');
    expect(read.statements.map((s) => s.sql)).toEqual(log.expected);
    expect(read.error).toBeUndefined();
  });

  it('a plain file named .gz is read as plain text', async () => {
    const f = await tempFile('plain.log.gz', text);
    expect(await compressionOf(f)).toBeUndefined();
    expect((await readDetected(f)).statements).toHaveLength(log.expected.length);
  });

  it.each(TOOLS)('a truncated $compression file is read up to the damage, with a warning', async ({ compression, command }) => {
    const f = await compressed(command, `${compression}-truncated.log`);
    await truncate(f, Math.floor((await stat(f)).size * 0.6));
    const summary = await summarizeTraffic({ files: [f] });
    expect(summary.statements).toBeGreaterThan(0);
    expect(summary.statements).toBeLessThan(log.expected.length);
    expect(summary.warnings.find((w) => w.includes('stopped early'))).toContain(f);
  });

  it('a damaged file with nothing readable before the damage is skipped with a warning saying so', async () => {
    const f = await compressed('bzip2', 'bzip2-damaged.log', stderrLog(generateMessages({ statements: 50, seed: 3 }), '%m [%p] '));
    await truncate(f, Math.floor((await stat(f)).size / 2));
    const other = await tempFile('other.log', text);
    const summary = await summarizeTraffic({ files: [f, other] });
    expect(summary.statements).toBe(log.expected.length);
    expect(summary.warnings.find((w) => w.startsWith(f))).toMatch(/damaged, nothing could be read before the damage \(bzip2: /);
  });
});

describe('a decompressor that is not installed', () => {
  const path = process.env.PATH;
  afterEach(() => {
    process.env.PATH = path;
  });

  it.each(TOOLS.filter((t) => t.compression !== 'gzip'))('$compression without `$command`: exit 3, naming the package', async ({ command, pkg }) => {
    const f = await compressed(command, `${command}-no-tool.log`);
    expect((await readFile(f)).length).toBeGreaterThan(0);
    process.env.PATH = '/nonexistent';
    const failure = await summarizeTraffic({ files: [f] }).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(EnvironmentError);
    expect((failure as EnvironmentError).exitCode).toBe(3);
    expect((failure as EnvironmentError).oneLine()).toContain(`apt-get install ${pkg}`);
    expect((failure as EnvironmentError).oneLine()).toContain(f);
  });
});
