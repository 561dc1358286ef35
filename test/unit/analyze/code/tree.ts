import { mkdtemp, mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { scanCode, type ScanOptions } from '../../../../src/analyzers/code/scan-code.ts';
import type { CodeModel } from '../../../../src/analyzers/types.ts';

/** Writes `files` (path -> lines) into a fresh temporary folder and scans it. */
export async function scanTree(files: Record<string, string | string[] | Buffer>, options: Partial<ScanOptions> = {}): Promise<CodeModel> {
  const root = await mkdtemp(path.join(os.tmpdir(), 'code-'));
  for (const [file, text] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(root, file)), { recursive: true });
    await writeFile(path.join(root, file), Array.isArray(text) ? text.join('\n') : text);
  }
  return scanCode({ root, ...options });
}

/** `METHOD /path -> handler` for each route, sorted. */
export function routeLines(model: CodeModel): string[] {
  return model.routes.map((r) => `${r.route} -> ${r.handler ?? r.handlerModule ?? '?'}`).sort();
}
