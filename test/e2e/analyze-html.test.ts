import { existsSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runAnalyze } from '../../src/commands/analyze.ts';
import type { AnalyzeResult } from '../../src/commands/analyze.ts';
import { writeAnalysisFiles } from '../../src/report/write-analysis-files.ts';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ensureChromium = fileURLToPath(new URL('../../scripts/ensure-chromium.mjs', import.meta.url));

describe('report.html in a headless Chromium', () => {
  let browser: Browser;
  let result: AnalyzeResult;
  let file: string;

  beforeAll(async () => {
    // `npm test` installs Chromium first (pretest); running this file alone does the same when it can.
    if (!existsSync(CHROMIUM)) execFileSync(process.execPath, [ensureChromium], { stdio: 'inherit', env: { ...process.env, CI: 'true' } });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    const dir = await mkdtemp(path.join(os.tmpdir(), 'analyze-html-'));
    result = await runAnalyze({ configFile: path.join(dir, 'none.yaml') });
    const written = await writeAnalysisFiles(result, dir);
    file = written.find((f) => f.endsWith('report.html'))!;
    expect(file).toBeDefined();
  });

  afterAll(async () => {
    await browser?.close();
  });

  it('loads without console errors or network requests and shows every context, its details on click', async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    const errors: string[] = [];
    const requests: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') errors.push(`${m.type()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
    page.on('request', (r) => requests.push(r.url()));
    const url = pathToFileURL(file).href;
    await page.goto(url, { waitUntil: 'load' });

    const text = await page.locator('body').innerText();
    expect(result.contexts.length).toBeGreaterThan(3);
    for (const c of result.contexts) expect(text).toContain(c.name);
    const labels = await page.locator('#graph .node .label').allTextContents();
    expect(labels.sort()).toEqual(result.contexts.map((c) => c.name).sort());

    // Clicking a context in the graph shows its details (tables, evidence) and only those.
    const target = result.contexts.findIndex((c, i) => i > 0 && c.tables.length > 0);
    await page.locator(`#graph .node[data-i="${target}"]`).click();
    const details = page.locator('.context-details:not([hidden])');
    await expect.poll(() => details.count()).toBe(1);
    const shown = await details.innerText();
    expect(shown).toContain(result.contexts[target]!.name);
    for (const t of result.contexts[target]!.tables) expect(shown).toContain(t);
    expect(await page.locator(`#graph .node[data-i="${target}"]`).getAttribute('class')).toContain('selected');

    // Unticking every evidence kind hides every seam in the graph.
    const edges = await page.locator('#graph .edge').count();
    expect(edges).toBeGreaterThan(0);
    for (const box of await page.locator('.kinds input').all()) await box.uncheck();
    expect(await page.locator('#graph .edge:visible').count()).toBe(0);

    expect(errors).toEqual([]);
    expect(requests).toEqual([url]);
    await page.close();
  });
});
