/** The state the demo's ink view shows, folded from the demo's events (pure). */
import type { DemoEvent, DemoSummary } from '../demo/demo-events.ts';

export interface DemoStepView {
  id: string;
  title: string;
  status: 'waiting' | 'running' | 'done' | 'failed' | 'skipped';
  why?: string;
  summary?: string;
  live?: string;
  ms?: number;
}

export interface DemoView {
  dir?: string;
  steps: DemoStepView[];
  notes: string[];
  cleanup?: { total: number; done: number; failed: string[] };
  signal?: string;
  finished?: DemoSummary;
}

export const emptyDemoView: DemoView = { steps: [], notes: [] };

export function foldDemoEvent(v: DemoView, e: DemoEvent): DemoView {
  const step = (id: string, change: Partial<DemoStepView>): DemoView => ({ ...v, steps: v.steps.map((s) => (s.id === id ? { ...s, ...change } : s)) });
  switch (e.type) {
    case 'start':
      return { ...v, dir: e.dir, steps: e.steps.map((s) => ({ ...s, status: 'waiting' })) };
    case 'step':
      return step(e.id, { status: 'running', why: e.why });
    case 'step-done':
      return step(e.id, { status: 'done', summary: e.summary, ms: e.ms, live: undefined });
    case 'step-failed':
      return step(e.id, { status: 'failed', summary: e.message, live: undefined });
    case 'step-skipped':
      return step(e.id, { status: 'skipped', summary: e.reason, live: undefined });
    case 'progress':
      return step(e.id, { live: e.text });
    case 'note':
      return { ...v, notes: [...v.notes, e.text] };
    case 'cleanup-start':
      return { ...v, cleanup: { total: e.count, done: 0, failed: [] } };
    case 'cleanup':
      return v.cleanup ? { ...v, cleanup: { ...v.cleanup, done: v.cleanup.done + 1, failed: e.ok ? v.cleanup.failed : [...v.cleanup.failed, `${e.what}: ${e.error}`] } } : v;
    case 'finished':
      return { ...v, finished: e.result };
  }
}
