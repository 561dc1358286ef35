/**
 * Reads strangler.yaml: YAML -> ${ENV} interpolation -> zod validation.
 * Every error names the file, the line, the config path and what is expected.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { isMap, isScalar, isSeq, LineCounter, parseDocument, visit, type Document, type Node } from 'yaml';
import type { core } from 'zod';
import { ConfigError } from '../errors.ts';
import { interpolateEnv } from './interpolate-env.ts';
import { configSchema, type StranglerConfig } from './schema.ts';

export const DEFAULT_CONFIG_FILE = 'strangler.yaml';

export interface LoadedConfig {
  /** Absolute path of the file read. */
  file: string;
  /** Directory that relative paths in the config are resolved against. */
  dir: string;
  config: StranglerConfig;
}

export interface LoadOptions {
  env?: NodeJS.ProcessEnv;
}

export async function loadConfig(file: string, options: LoadOptions = {}): Promise<LoadedConfig> {
  const absolute = path.resolve(file);
  let text: string;
  try {
    text = await readFile(absolute, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      throw new ConfigError(`${file}: no such file`, 'run `strangler init` to write one, or pass --config <file>');
    }
    if (code === 'EISDIR') throw new ConfigError(`${file}: is a directory`, 'pass the path of a strangler.yaml file');
    throw new ConfigError(`${file}: cannot be read (${code ?? String(e)})`, 'check the file permissions');
  }
  return parseConfig(text, absolute, options);
}

/** Parses config text; `file` is used for messages and to resolve relative paths. */
export function parseConfig(text: string, file: string, options: LoadOptions = {}): LoadedConfig {
  const env = options.env ?? process.env;
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const where = (offset: number | undefined) => {
    if (offset === undefined) return file;
    const { line, col } = lineCounter.linePos(offset);
    return `${file}:${line}:${col}`;
  };
  if (doc.errors.length > 0) {
    const first = doc.errors[0]!;
    throw new ConfigError(
      `${where(first.pos[0])}: invalid YAML: ${first.message.split('\n')[0]}`,
      'fix the YAML syntax (indentation, quotes, colons)',
    );
  }
  interpolateDocument(doc, env, where);
  const raw = doc.toJS() ?? {};
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    throw new ConfigError(`${file}: expected a mapping at the top level`, 'see `strangler init` for a starter file');
  }
  const result = configSchema.safeParse(raw);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    const lookup = issue.code === 'unrecognized_keys' ? [...issue.path, issue.keys[0]!] : issue.path;
    const node = nodeAt(doc, lookup, issue.code === 'unrecognized_keys');
    throw new ConfigError(`${where(node?.range?.[0])}: ${describeIssue(issue)}`, 'fix strangler.yaml (schema: strangler.schema.json)');
  }
  return { file, dir: path.dirname(file), config: result.data };
}

function interpolateDocument(doc: Document, env: NodeJS.ProcessEnv, where: (offset?: number) => string): void {
  visit(doc, {
    Scalar(_key, node, ancestry) {
      if (typeof node.value !== 'string' || !node.value.includes('${')) return;
      const { value, missing } = interpolateEnv(node.value, env);
      if (missing.length > 0) {
        const keyPath = pathOf([...ancestry, node]);
        throw new ConfigError(
          `${where(node.range?.[0])}: ${keyPath || 'value'} uses \${${missing[0]!.name}}, which is not set`,
          `set ${missing[0]!.name} in the environment or write \${${missing[0]!.name}:-default}`,
        );
      }
      node.value = value;
    },
  });
}

function pathOf(ancestry: readonly unknown[]): string {
  const parts: string[] = [];
  for (let i = 0; i < ancestry.length; i++) {
    const item = ancestry[i] as { key?: unknown; items?: unknown[] };
    if (item && typeof item === 'object' && 'key' in item && isScalar(item.key)) parts.push(String(item.key.value));
    else if (isSeq(item)) {
      const next = ancestry[i + 1];
      const index = next === undefined ? -1 : (item.items as unknown[]).indexOf(next);
      if (index >= 0) parts.push(`[${index}]`);
    }
  }
  return parts.join('.').replace(/\.\[/g, '[');
}

function nodeAt(doc: Document, issuePath: readonly PropertyKey[], wantKey = false): Node | undefined {
  // Walk down as far as the path exists; report the deepest node found (its key for unknown keys).
  let node: unknown = doc.contents;
  for (const key of issuePath) {
    if (isMap(node)) {
      const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(key));
      if (!pair) return node as Node;
      if (wantKey && key === issuePath[issuePath.length - 1]) return pair.key as Node;
      node = pair.value ?? pair.key;
      if (!node) return pair.key as Node;
    } else if (isSeq(node)) {
      const item = node.items[Number(key)];
      if (!item) return node as Node;
      node = item;
    } else break;
  }
  return node as Node | undefined;
}

export function formatPath(p: readonly PropertyKey[]): string {
  let out = '';
  for (const key of p) out += typeof key === 'number' ? `[${key}]` : out ? `.${String(key)}` : String(key);
  return out;
}

function describeIssue(issue: core.$ZodIssue): string {
  const at = formatPath(issue.path);
  const prefix = at ? `${at}: ` : '';
  switch (issue.code) {
    case 'unrecognized_keys':
      return `${prefix}unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
    case 'invalid_type':
      return `${prefix}expected ${issue.expected}${'input' in issue && issue.input === undefined ? ' (missing)' : ''}`;
    case 'invalid_key':
      return `${prefix}invalid name: ${issue.issues[0]?.message ?? issue.message}`;
    case 'invalid_value':
      return `${prefix}expected one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'invalid_format':
      return `${prefix}expected ${issue.message}`;
    default:
      return `${prefix}${issue.message}`;
  }
}
