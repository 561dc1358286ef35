import { mkdtemp, mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { configJsonSchema } from '../../../src/config/json-schema.ts';
import { loadConfig, parseConfig } from '../../../src/config/load-config.ts';
import { ConfigError } from '../../../src/errors.ts';

const parse = (text: string, env: NodeJS.ProcessEnv = {}) => parseConfig(text, '/repo/strangler.yaml', { env });

function errorOf(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return e as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe('strangler.yaml: valid files', () => {
  it('fills defaults for an empty file', () => {
    const { config, dir } = parse('');
    expect(dir).toBe('/repo');
    expect(config.version).toBe(1);
    expect(config.monolith.logFormat).toBe('auto');
    expect(config.analysis.seed).toBe(42);
    expect(config.contexts).toEqual({});
  });

  it('reads a full file with contexts and their defaults', () => {
    const { config } = parse(`
monolith:
  name: shop
  source: src
  database: postgres://shop@127.0.0.1:5432/shop
  logs: [logs/a.csv.gz]
kafka:
  brokers: ['127.0.0.1:9092']
contexts:
  catalog:
    tables: [products, categories]
    service:
      database: postgres://cat@127.0.0.1/catalog
    sync:
      via: kafka
`);
    expect(config.monolith.name).toBe('shop');
    expect(config.kafka?.brokers).toEqual(['127.0.0.1:9092']);
    expect(config.contexts.catalog!.tables).toEqual(['products', 'categories']);
    expect(config.contexts.catalog!.sync.via).toBe('kafka');
    expect(config.contexts.catalog!.sync.batchSize).toBe(1000);
    expect(config.contexts.catalog!.sync.lingerMs).toBe(20);
    expect(config.contexts.catalog!.service.schema).toBe('public');
    expect(config.contexts.catalog!.parity.failOn.dataDifferences).toBe(0);
  });
});

describe('strangler.yaml: ${ENV} interpolation', () => {
  it('substitutes variables, defaults and escapes', () => {
    const { config } = parse(
      `monolith:\n  database: \${DB}\n  name: \${NAME:-shop}\n  source: '$\${literal}'\n`,
      { DB: 'postgres://u@h/db' },
    );
    expect(config.monolith.database).toBe('postgres://u@h/db');
    expect(config.monolith.name).toBe('shop');
    expect(config.monolith.source).toBe('${literal}');
  });

  it('names the file, line, config path and variable when one is missing', () => {
    const e = errorOf(() => parse('monolith:\n  name: x\n  database: ${MISSING_DB}\n'));
    expect(e.message).toBe('/repo/strangler.yaml:3:13: monolith.database uses ${MISSING_DB}, which is not set');
    expect(e.hint).toContain('set MISSING_DB');
  });

  it('names list positions in the path', () => {
    const e = errorOf(() => parse('monolith:\n  logs:\n    - a.log\n    - ${LOGS}\n'));
    expect(e.message).toContain('monolith.logs[1] uses ${LOGS}');
  });
});

describe('strangler.yaml: errors name the line and the path', () => {
  const cases: [string, string, RegExp][] = [
    ['invalid YAML', 'monolith:\n  name: [unclosed\n', /strangler\.yaml:\d+:\d+: invalid YAML/],
    ['unknown key, at the key', 'monolith:\n  name: x\n  bogus: 1\n', /strangler\.yaml:3:3: monolith: unknown key "bogus"$/],
    ['unknown top-level key', 'monolit: {}\n', /strangler\.yaml:1:1: unknown key "monolit"$/],
    ['wrong type in a list', 'contexts:\n  catalog:\n    tables: [a, b, 3]\n', /strangler\.yaml:3:20: contexts\.catalog\.tables\[2\]: expected string$/],
    ['bad context name', 'contexts:\n  Catalog: {}\n', /contexts\.Catalog: invalid name: a lower-case name/],
    ['bad database URL', 'monolith:\n  database: mysql://x\n', /strangler\.yaml:2:13: monolith\.database: expected a PostgreSQL URL/],
    ['bad enum', 'contexts:\n  c:\n    sync:\n      via: carrier-pigeon\n', /contexts\.c\.sync\.via: expected one of "direct", "kafka"$/],
    ['bad broker', 'kafka:\n  brokers: [nohost]\n', /kafka\.brokers\[0\]: expected host:port/],
    ['a list at the top', '- a\n- b\n', /expected a mapping at the top level/],
    ['negative linger', 'contexts:\n  c:\n    sync:\n      lingerMs: -5\n', /strangler\.yaml:4:17: contexts\.c\.sync\.lingerMs: .*>=\s*0/],
  ];
  it.each(cases)('%s', (_name, text, expected) => {
    expect(errorOf(() => parse(text)).message).toMatch(expected);
  });

  it('every message is one line', () => {
    for (const [, text] of cases) expect(errorOf(() => parse(text)).oneLine()).not.toContain('\n');
  });
});

describe('loadConfig: files', () => {
  it('reports a missing file with what to do', async () => {
    const e = await loadConfig('/nonexistent/strangler.yaml').then(() => undefined, (x: unknown) => x as ConfigError);
    expect(e).toBeInstanceOf(ConfigError);
    if (!e) throw new Error('expected an error');
    expect(e.message).toBe('/nonexistent/strangler.yaml: no such file');
    expect(e.hint).toContain('strangler init');
  });

  it('reports a directory and an unreadable path', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'cfg-'));
    await mkdir(path.join(dir, 'folder.yaml'));
    await writeFile(path.join(dir, 'file'), 'x');
    const e1 = await loadConfig(path.join(dir, 'folder.yaml')).then(() => undefined, (x: unknown) => x as ConfigError);
    if (!e1) throw new Error('expected an error');
    expect(e1.message).toMatch(/folder\.yaml: is a directory$/);
    // A path under a regular file cannot be read, even as root.
    const e2 = await loadConfig(path.join(dir, 'file', 'strangler.yaml')).then(() => undefined, (x: unknown) => x as ConfigError);
    expect(e2).toBeInstanceOf(ConfigError);
    if (!e2) throw new Error('expected an error');
    expect(e2.message).toMatch(/cannot be read \(ENOTDIR\)$/);
  });

  it('loads a file and resolves its directory', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'cfg-'));
    await writeFile(path.join(dir, 'strangler.yaml'), 'monolith:\n  name: shop\n');
    const loaded = await loadConfig(path.join(dir, 'strangler.yaml'));
    expect(loaded.dir).toBe(dir);
    expect(loaded.config.monolith.name).toBe('shop');
  });
});

describe('JSON Schema for editors', () => {
  it('is derived from the zod schema, with every top-level key and no extra keys allowed', () => {
    const schema = configJsonSchema() as { type: string; properties: Record<string, unknown>; additionalProperties: boolean };
    expect(schema.type).toBe('object');
    expect(Object.keys(schema.properties).sort()).toEqual(['analysis', 'contexts', 'kafka', 'monolith', 'proxy', 'version']);
    expect(schema.additionalProperties).toBe(false);
    expect(JSON.parse(JSON.stringify(schema))).toEqual(schema);
  });
});
