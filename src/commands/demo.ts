/**
 * `strangler demo [--dir <folder>] [--context catalog] [--keep]`: options -> src/demo/run-demo.ts, with a signal that
 * Ctrl-C (SIGINT) and SIGTERM abort; the demo then cleans up what it started and ends with exit 130. Prints nothing.
 */
import path from 'node:path';
import { runDemo, type DemoOptions, type DemoRun } from '../demo/run-demo.ts';
import { InterruptedError } from '../errors.ts';
import type { DemoEvent } from '../demo/demo-events.ts';

export interface DemoCommandOptions {
  dir?: string;
  context?: string;
  keep?: boolean;
  noKafka?: boolean;
  scale?: number;
  onEvent: (e: DemoEvent) => void;
  /** Told when a signal arrives (the demo then stops and cleans up). */
  onSignal?: (signal: NodeJS.Signals) => void;
}

export const DEFAULT_DEMO_DIR = 'strangler-demo';

export async function runDemoCommand(o: DemoCommandOptions): Promise<DemoRun> {
  const options: DemoOptions = {
    dir: path.resolve(o.dir ?? DEFAULT_DEMO_DIR),
    context: o.context ?? 'catalog',
    keep: Boolean(o.keep),
    noKafka: o.noKafka,
    scale: o.scale,
  };
  const controller = new AbortController();
  let received: NodeJS.Signals | undefined;
  const stop = (signal: NodeJS.Signals) => {
    if (!received) o.onSignal?.(signal);
    received ??= signal;
    controller.abort();
  };
  // further signals while cleaning up are swallowed too: leaving now would leave processes behind
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  try {
    const run = await runDemo(options, controller.signal, o.onEvent);
    if (run.error instanceof InterruptedError) {
      const left = run.summary.cleanup.filter((c) => !c.ok).length;
      run.error = new InterruptedError(
        `interrupted by ${received ?? 'a signal'} during ${run.summary.stoppedAt ?? 'start-up'}`,
        left ? `${left} resource(s) could not be released: see ${options.dir}/demo-resources.json` : 'everything the demo had started is stopped and removed',
      );
    }
    return run;
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
}
