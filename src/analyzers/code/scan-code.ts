/**
 * Code signals of a TypeScript/JavaScript monolith, from syntax alone (the TypeScript parser; no type checking,
 * no program, one file at a time, so memory stays flat in code size), in three steps:
 * 1. `list-files.ts` lists and reads the files (the only I/O);
 * 2. `file-facts.ts` turns each file into its syntax facts (pure), running the detectors of `detectors/`
 *    (express, koa-router, fastify, hapi, NestJS, Next.js, knex, raw SQL) and the ORM collector
 *    (`orm-mappings.ts`: TypeORM, Sequelize, Prisma);
 * 3. `resolve-model.ts` resolves names across files: router mounts and prefixes, handlers, ORM tables, and the
 *    tables each route's handler reaches through its calls.
 * The resulting model (modules, functions, routes, table accesses) is what `analyze` scores and `extract` moves.
 */
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { UsageError } from '../../errors.ts';
import { initSqlParser } from '../sql/extract-tables.ts';
import type { CodeModel } from '../types.ts';
import { DETECTORS } from './detectors/index.ts';
import { fileFacts, type FileFacts } from './file-facts.ts';
import { DEFAULT_EXCLUDE, listFiles, readSources, readTexts } from './list-files.ts';
import { parsePrismaSchema, prismaDelegate } from './orm-mappings.ts';
import { resolveModel } from './resolve-model.ts';

export { TRACE_DEPTH } from './resolve-model.ts';

export interface ScanOptions {
  root: string;
  /** Folders or files under root to scan (default: everything). */
  include?: string[];
  /** Path fragments to leave out (default: node_modules, dist, build, tests). */
  exclude?: RegExp[];
  onProgress?: (p: { files: number; total: number }) => void;
}

export async function scanCode(options: ScanOptions): Promise<CodeModel> {
  const root = path.resolve(options.root);
  try {
    if (!(await stat(root)).isDirectory()) throw new Error('not a directory');
  } catch (e) {
    throw new UsageError(`${options.root}: cannot scan code (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, 'pass an existing directory to --code or set monolith.source');
  }
  await initSqlParser();
  const exclude = options.exclude ?? DEFAULT_EXCLUDE;
  const files: string[] = [];
  const schemas: string[] = [];
  for (const inc of options.include ?? ['']) await listFiles(root, inc, exclude, files, options.include ? undefined : schemas);
  // Prisma schemas map models to tables for the whole tree, so they are looked for outside the included folders too.
  if (options.include) await listFiles(root, '', exclude, [], schemas);
  files.sort();
  const prismaModels = (await readTexts(root, schemas)).flatMap((s) => parsePrismaSchema(s.text, s.file));
  const prismaDelegates = new Set(prismaModels.map((m) => prismaDelegate(m.model)));
  const fileSet = new Set(files);
  const facts: FileFacts[] = [];
  const warnings: string[] = [];
  let done = 0;
  for await (const source of readSources(root, files)) {
    if ('skipped' in source) warnings.push(`${source.file}:1: ${source.skipped}`);
    else facts.push(fileFacts({ file: source.file, text: source.text, files: fileSet, prismaDelegates, detectors: DETECTORS }));
    options.onProgress?.({ files: ++done, total: files.length });
  }
  const model = resolveModel(root, facts, prismaModels, warnings);
  if (files.length === 0) model.warnings.push(`${options.root}: no TypeScript or JavaScript files found`);
  return model;
}
