/** Plain-text progress of `strangler demo` (pipes, CI, logs): a line per step and the sentence that explains it. */
import type { DemoEvent, DemoSummary } from '../demo/demo-events.ts';
import { painter } from './format.ts';

const PROGRESS_EVERY_MS = 10_000;

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

/** A listener of the demo's events that writes plain lines (live figures at most every 10 s). */
export function demoEventPrinter(write: (s: string) => void, color = false): (e: DemoEvent) => void {
  const p = painter(color);
  let lastProgress = 0;
  let current = '';
  return (e) => {
    switch (e.type) {
      case 'start':
        write(`strangler demo in ${e.dir}: ${e.steps.length} steps\n`);
        break;
      case 'step':
        current = e.id;
        lastProgress = Date.now();
        write(`\n${p.bold(`[${e.index}/${e.total}] ${e.title}`)}\n      ${e.why}\n`);
        break;
      case 'step-done':
        write(`      ${p.green('done')}: ${e.summary} (${seconds(e.ms)})\n`);
        break;
      case 'step-failed':
        write(`      ${p.red('failed')}: ${e.message}\n`);
        break;
      case 'step-skipped':
        write(`      ${p.yellow('not run')}: ${e.reason}\n`);
        break;
      case 'note':
        write(`      note: ${e.text}\n`);
        break;
      case 'progress':
        // the sync keeps streaming during the later steps: only the running step's figures are printed
        if (e.id === current && Date.now() - lastProgress >= PROGRESS_EVERY_MS) {
          lastProgress = Date.now();
          write(`      ${e.text}\n`);
        }
        break;
      case 'cleanup-start':
        write(`\ncleaning up the ${e.count} resource${e.count === 1 ? '' : 's'} the demo started\n`);
        break;
      case 'cleanup':
        write(e.ok ? `      released: ${e.what}\n` : `      ${p.red('could not release')}: ${e.what}: ${e.error}\n`);
        break;
      case 'finished':
        write(renderDemoSummary(e.result, color));
        break;
    }
  };
}

/** The closing lines: how it ended, where the artifacts are, what was kept, and what the flow did not do. */
export function renderDemoSummary(s: DemoSummary, color = false): string {
  const p = painter(color);
  const lines: string[] = [''];
  const failedCleanup = s.cleanup.filter((c) => !c.ok);
  if (s.outcome === 'done') lines.push(p.green(`demo finished${s.syncVia ? ` (sync ${s.syncVia})` : ''}`));
  else if (s.outcome === 'interrupted') lines.push(p.yellow(`demo interrupted during ${s.stoppedAt ?? 'start-up'}`));
  else lines.push(p.red(`demo failed at ${s.stoppedAt}: ${s.error}`));
  lines.push(failedCleanup.length === 0 ? `everything it started was stopped and removed (${s.cleanup.length} resource${s.cleanup.length === 1 ? "" : "s"})` : p.red(`${failedCleanup.length} resource(s) could not be released: ${failedCleanup.map((c) => c.what).join('; ')}`));
  if (s.kept.length) lines.push(`kept (--keep): ${s.kept.join(', ')}`);
  lines.push(`artifacts in ${s.dir}: ${s.artifacts.join(', ') || 'none'}`);
  for (const n of s.notDone) lines.push(`not run: ${n}`);
  return `${lines.join('\n')}\n`;
}

export function renderDemoSignal(signal: string): string {
  return `\n${signal}: stopping the demo and cleaning up what it started (this takes a few seconds)\n`;
}
