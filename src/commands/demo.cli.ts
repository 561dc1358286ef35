import { InvalidArgumentError } from 'commander';
import type { RegisterCommand } from '../cli-runtime.ts';

const positiveInt = (flag: string) => (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError(`${flag} expects a positive integer, got "${value}"`);
  return n;
};

export const registerDemo: RegisterCommand = (program, runtime) => {
  program
    .command('demo')
    .description('the whole flow on the bundled sample monolith, on an embedded PostgreSQL (and Kafka when Java is there) it starts and cleans up itself')
    .option('--dir <folder>', 'where the artifacts are left (a new or empty folder)', 'strangler-demo')
    .option('--context <name>', 'the context of the sample carried through the flow', 'catalog')
    .option('--keep', 'keep the PostgreSQL and Kafka data folders (their paths are printed)')
    .option('--no-kafka', 'sync directly even when Java is there')
    .option('--scale <n>', "size of the sample's seed (1: a few thousand rows)", positiveInt('--scale'))
    .action(async (opts: { dir: string; context: string; keep?: boolean; kafka: boolean; scale?: number }) => {
      const g = runtime.globals();
      const { runDemoCommand } = await import('./demo.ts');
      const fancy = runtime.isTTY && process.stdin.isTTY && !g.json && !process.env.CI;
      const view = fancy ? await (await import('../ui/run-demo-progress.ts')).startDemoProgress({ stdout: process.stdout }) : undefined;
      const { demoEventPrinter, renderDemoSignal } = await import('../report/demo-text.ts');
      const print = view?.onEvent ?? demoEventPrinter((s) => (g.json ? runtime.err.write(s) : runtime.out.write(s)), g.color);
      const run = await runDemoCommand({
        dir: opts.dir,
        context: opts.context,
        keep: opts.keep,
        noKafka: !opts.kafka,
        scale: opts.scale,
        onEvent: print,
        onSignal: (signal) => (view ? view.onSignal(signal) : runtime.err.write(renderDemoSignal(signal))),
      }).finally(() => view?.close());
      if (g.json) {
        const { json } = await import('../report/format.ts');
        runtime.out.write(json(run.summary));
      }
      // Everything the demo started is released by now; a client aborted mid-work (a Kafka consumer interrupted during
      // its backfill) can still hold a socket that keeps Node running. The process must not linger for it.
      setTimeout(() => process.exit(), 3000).unref();
      if (run.error) throw run.error;
    });
};
