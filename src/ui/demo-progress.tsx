/** @jsxRuntime automatic @jsxImportSource react */
/**
 * `strangler demo` in a terminal: every step with its state, the running step's sentence and live figure, the
 * cleanup's progress, then the closing lines. Ctrl-C is left to the terminal (SIGINT): the demo stops and cleans up.
 */
import { Box, Text } from 'ink';
import { useEffect, useState } from 'react';
import { renderDemoSummary } from '../report/demo-text.ts';
import { emptyDemoView, foldDemoEvent, type DemoStepView, type DemoView } from './demo-progress-model.ts';
import type { DemoEvent } from '../demo/demo-events.ts';

export interface DemoProgressProps {
  subscribe: (listener: (e: DemoEvent | { type: 'signal'; signal: string }) => void) => void;
}

const MARK: Record<DemoStepView['status'], string> = { waiting: '·', running: '▶', done: '✓', failed: '✗', skipped: '–' };
const COLOR: Record<DemoStepView['status'], string | undefined> = { waiting: 'gray', running: 'cyan', done: 'green', failed: 'red', skipped: 'yellow' };

function Step({ s }: { s: DemoStepView }) {
  return (
    <Box flexDirection="column">
      <Text color={COLOR[s.status]}>
        {MARK[s.status]} {s.title}
        {s.ms !== undefined ? <Text color="gray"> ({(s.ms / 1000).toFixed(1)} s)</Text> : null}
      </Text>
      {s.status === 'running' && s.why ? <Text color="gray">    {s.why}</Text> : null}
      {s.summary ? <Text>    {s.summary}</Text> : null}
      {s.status === 'running' && s.live ? <Text color="yellow">    {s.live}</Text> : null}
    </Box>
  );
}

export function DemoProgress({ subscribe }: DemoProgressProps) {
  const [view, setView] = useState<DemoView>(emptyDemoView);
  useEffect(() => {
    subscribe((e) => setView((v) => (e.type === 'signal' ? { ...v, signal: e.signal } : foldDemoEvent(v, e))));
  }, [subscribe]);
  return (
    <Box flexDirection="column">
      <Text bold>strangler demo{view.dir ? ` in ${view.dir}` : ''}</Text>
      {view.steps.map((s) => (
        <Step key={s.id} s={s} />
      ))}
      {view.notes.map((n, i) => (
        <Text key={i} color="yellow">note: {n}</Text>
      ))}
      {view.signal && !view.finished ? <Text color="yellow">{view.signal}: stopping and cleaning up what the demo started…</Text> : null}
      {view.cleanup && !view.finished ? <Text>cleaning up: {view.cleanup.done}/{view.cleanup.total}</Text> : null}
      {view.finished ? <Text>{renderDemoSummary(view.finished, true).trimEnd()}</Text> : null}
    </Box>
  );
}
