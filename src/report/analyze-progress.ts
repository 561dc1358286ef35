/**
 * The one-line progress of `strangler analyze` on a terminal's stderr: the current step, statements read (files
 * scanned) and their rate while logs are read (code is scanned), and the time spent in the step (refreshed every second, so a
 * long code scan shows that it is alive). Redrawn in place; `done()` erases it.
 */
import type { Output } from '../cli-runtime.ts';

export interface AnalyzeProgress {
  onProgress(message: string): void;
  done(): void;
}

const COUNTED = /^([\d,]+) (statements|files)\b/;

const seconds = (ms: number) => (ms < 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms / 1000)} s`);

export function createAnalyzeProgress(err: Output, options: { now?: () => number; tickMs?: number } = {}): AnalyzeProgress {
  const now = options.now ?? (() => performance.now());
  let message = '';
  let stepStart = now();
  let readStart: number | undefined;
  let rate = '';
  let drawn = false;
  const draw = () => {
    if (!message) return;
    err.write(`\r\x1b[2K${message}${rate} · ${seconds(now() - stepStart)}`);
    drawn = true;
  };
  const timer = options.tickMs === 0 ? undefined : setInterval(draw, options.tickMs ?? 1000);
  timer?.unref();
  return {
    onProgress(next) {
      const counted = COUNTED.exec(next);
      const t = now();
      if (counted) {
        // Statements read so far, over the time since log reading started.
        readStart ??= stepStart;
        const n = Number(counted[1]!.replace(/,/g, ''));
        const elapsed = (t - readStart) / 1000;
        rate = elapsed > 0 ? ` · ${Math.round(n / elapsed).toLocaleString('en-US')} ${counted[2]}/s` : '';
      } else if (next !== message) {
        stepStart = t;
        rate = '';
        if (/^(reading|scanning)\b/.test(next)) readStart = t;
      }
      message = next;
      draw();
    },
    done() {
      if (timer) clearInterval(timer);
      if (drawn) err.write('\r\x1b[2K');
    },
  };
}
