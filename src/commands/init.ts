/** `strangler init`: write a commented starter strangler.yaml, with what can be detected filled in. */
import { existsSync } from 'node:fs';
import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { configJsonSchema } from '../config/json-schema.ts';
import { UsageError } from '../errors.ts';
import { renderStarterConfig, type Detected } from '../generators/starter-config.ts';

export interface InitOptions {
  /** Where to write strangler.yaml. */
  file: string;
  /** Directory to look at for the monolith (default: the config file's directory). */
  dir?: string;
  force: boolean;
  env: NodeJS.ProcessEnv;
}

export interface InitResult {
  file: string;
  schemaFile: string;
  detected: Detected;
}

const SOURCE_DIRS = ['src', 'app', 'lib', 'server'];
const LOG_DIRS = ['logs', 'log', 'pg_log', 'fixtures/logs'];
const LOG_FILE = /\.(log|csv|json|jsonl)(\.gz)?$/;

export async function runInit(options: InitOptions): Promise<InitResult> {
  const file = path.resolve(options.file);
  const dir = path.resolve(options.dir ?? path.dirname(file));
  if (existsSync(file) && !options.force) {
    throw new UsageError(`${options.file} already exists`, 'pass --force to overwrite it');
  }
  const detected = await detect(dir, path.dirname(file), options.env);
  const schemaFile = path.join(path.dirname(file), 'strangler.schema.json');
  await writeFile(schemaFile, `${JSON.stringify(configJsonSchema(), null, 2)}\n`);
  await writeFile(file, renderStarterConfig(detected), { flag: options.force ? 'w' : 'wx' });
  return { file, schemaFile, detected };
}

async function detect(dir: string, configDir: string, env: NodeJS.ProcessEnv): Promise<Detected> {
  const rel = (p: string) => path.relative(configDir, p) || '.';
  const detected: Detected = { databaseFromEnv: Boolean(env.DATABASE_URL), logs: [] };
  try {
    const pkg = JSON.parse(await readFile(path.join(dir, 'package.json'), 'utf8')) as { name?: string };
    if (pkg.name) detected.name = pkg.name;
  } catch {
    // no package.json: fine
  }
  for (const candidate of SOURCE_DIRS) {
    if (await isDir(path.join(dir, candidate))) {
      detected.source = rel(path.join(dir, candidate));
      break;
    }
  }
  for (const candidate of LOG_DIRS) {
    const logDir = path.join(dir, candidate);
    if (!(await isDir(logDir))) continue;
    for (const entry of (await readdir(logDir)).sort()) {
      if (LOG_FILE.test(entry)) detected.logs.push(rel(path.join(logDir, entry)));
    }
  }
  if (existsSync(path.join(dir, '.git'))) detected.git = rel(dir);
  return detected;
}

async function isDir(p: string): Promise<boolean> {
  try {
    return (await stat(p)).isDirectory();
  } catch {
    return false;
  }
}
