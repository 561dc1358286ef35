/**
 * A process for the background-run tests: `hold <dir>` holds the run `probe` and reports ready, then waits to be
 * killed or stopped; `fail <dir>` writes a one-line error and exits with code 3 before it holds anything;
 * `fail-after-hold <dir>` holds the run, then fails the same way (a sync whose pre-flight fails).
 */
import { withRun } from '../../../src/process/background-run.ts';

const [mode, dir] = process.argv.slice(2) as [string, string];
const run = { id: 'probe', what: 'probe run', stop: 'kill it' };
if (mode === 'fail') {
  process.stderr.write('strangler: cannot reach the probe database at 127.0.0.1:1 — start it\n');
  process.exit(3);
}
await withRun(dir, run, async (ready) => {
  if (mode === 'fail-after-hold') {
    await new Promise((r) => setTimeout(r, 200));
    process.stderr.write('strangler: table public.missing does not exist — fix contexts.probe.tables\n');
    process.exit(2);
  }
  ready();
  process.stdout.write('ready\n');
  const keepAlive = setInterval(() => {}, 1000); // the held socket is unref'd: something real keeps a run alive
  await new Promise<void>((resolve) => process.once('SIGTERM', () => resolve()));
  clearInterval(keepAlive);
});
