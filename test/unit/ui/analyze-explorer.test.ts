import { EventEmitter } from 'node:events';
import { stripVTControlCharacters } from 'node:util';
import { describe, expect, it, vi } from 'vitest';
import { explorerContexts, viewLines } from '../../../src/ui/analyze-explorer-model.ts';
import { runAnalyzeExplorer } from '../../../src/ui/run-analyze-explorer.ts';
import { tinyResult } from '../report/tiny-analysis.ts';

/** A terminal for ink: stdout keeps every frame (ink's debug mode writes each one in full); stdin takes key presses. */
function fakeTerminal(columns = 110, rows = 16) {
  const frames: string[] = [];
  const stdout = Object.assign(new EventEmitter(), {
    columns,
    rows,
    isTTY: true,
    write(chunk: string) {
      frames.push(stripVTControlCharacters(chunk));
      return true;
    },
  });
  const queue: string[] = [];
  const stdin = Object.assign(new EventEmitter(), {
    isTTY: true,
    setRawMode: () => stdin,
    setEncoding: () => stdin,
    ref: () => stdin,
    unref: () => stdin,
    read: () => queue.shift() ?? null,
  });
  const press = (keys: string) => {
    queue.push(keys);
    stdin.emit('readable');
  };
  return { stdout: stdout as unknown as NodeJS.WriteStream, stdin: stdin as unknown as NodeJS.ReadStream, frames, press, last: () => frames.at(-1) ?? '' };
}

/** Frames come asynchronously (ink is imported lazily, then renders); a loaded machine may take seconds. */
const until = (check: () => void) => vi.waitFor(check, { timeout: 15_000, interval: 20 });

const KEY = { up: '\u001B[A', down: '\u001B[B', right: '\u001B[C', left: '\u001B[D', escape: '\u001B' };

describe('analyze explorer (ink)', () => {
  it('lists contexts in extraction order and browses views with the arrow keys; q quits', async () => {
    const t = fakeTerminal();
    const done = runAnalyzeExplorer(tinyResult(), { ...t, debug: true });
    await until(() => expect(t.last()).toContain('1 overview'));
    const first = t.last();
    // catalog is #1 to extract, orders #2, the unranked context last.
    expect(first.indexOf('1 catalog')).toBeLessThan(first.indexOf('2 orders'));
    expect(first.indexOf('2 orders')).toBeLessThan(first.indexOf('x<script>'));
    expect(first).toContain('extraction order: #1 (score 2)');
    expect(first).toContain('3 contexts · 3 seams · 1 shared tables · modularity 0.41');

    t.press(KEY.down);
    await until(() => expect(t.last()).toContain('extraction order: #2 (score 5)'));
    t.press(KEY.right);
    await until(() => expect(t.last()).toMatch(/order_items\s*\n/));
    expect(t.last()).toContain('orders  [shared: written by several contexts; used by orders, catalog]');
    t.press('6');
    await until(() => expect(t.last()).toContain('join        order_items (orders) -> products (catalog)  ×120'));
    t.press(KEY.left);
    await until(() => expect(t.last()).toContain('orders: written in the same transactions as order_items (5)'));

    t.press('q');
    await done;
    // The last frame is empty: the explorer erases itself before the plain summary is printed.
    expect(t.last().trim()).toBe('');
  });

  it('Esc quits too, and long views scroll with PgDn', async () => {
    const r = tinyResult();
    r.contexts[0]!.modules = Array.from({ length: 40 }, (_, i) => `src/m${String(i).padStart(2, '0')}.ts`);
    const t = fakeTerminal(100, 12);
    const done = runAnalyzeExplorer(r, { ...t, debug: true });
    await until(() => expect(t.last()).toContain('1 overview'));
    t.press(KEY.down);
    t.press('3');
    await until(() => expect(t.last()).toContain('src/m00.ts'));
    expect(t.last()).toContain('lines 1-8 of 40');
    expect(t.last()).not.toContain('src/m08.ts');
    t.press('\u001B[6~');
    await until(() => expect(t.last()).toContain('src/m08.ts'));
    expect(t.last()).not.toContain('src/m00.ts');
    t.press(KEY.escape);
    await done;
  });

  it('model: every view of every context has lines', () => {
    const r = tinyResult();
    expect(explorerContexts(r).map((c) => c.name)).toEqual(['catalog', 'orders', 'x<script>alert(1)</script>']);
    expect(viewLines(r, 2, 'tables')).toEqual(['(none)']);
    expect(viewLines(r, 1, 'seams')).toEqual(['join        order_items (orders) -> products (catalog)  ×120', 'call        src/catalog.ts (catalog) -> src/orders.ts (orders)  ×3  src/catalog.ts:9']);
  });
});
