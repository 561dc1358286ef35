/** Writes analysis.yaml, report.md, report.html and analysis.json (each atomically: a temporary file, then a rename). */
import { mkdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { AnalyzeResult } from '../analyzers/analysis/analyze-result.ts';
import { renderAnalysisMarkdown, renderAnalysisYaml } from './analyze-files.ts';
import { renderAnalysisHtml } from './analyze-html.ts';

export async function writeAnalysisFiles(result: AnalyzeResult, dir: string): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const files: [string, string][] = [
    ['analysis.yaml', renderAnalysisYaml(result)],
    ['report.md', renderAnalysisMarkdown(result)],
    ['report.html', renderAnalysisHtml(result)],
    ['analysis.json', `${JSON.stringify({ ...result, written: undefined }, null, 2)}\n`],
  ];
  const written: string[] = [];
  for (const [name, text] of files) {
    const file = path.join(dir, name);
    await writeFile(`${file}.tmp`, text);
    await rename(`${file}.tmp`, file);
    written.push(file);
  }
  return written;
}
