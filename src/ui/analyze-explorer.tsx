/** @jsxRuntime automatic @jsxImportSource react */
/**
 * The interactive explorer `strangler analyze` opens in a terminal: contexts on the left (extraction order),
 * one view of the selected context on the right (overview, tables, modules, routes, evidence, seams).
 * ↑/↓ (or j/k) choose a context, ←/→ (or Tab, or 1-6) a view, PgUp/PgDn (or b/space) scroll, q or Esc quits.
 * (The pragma above: tsx run from another directory does not see this project's tsconfig `jsx` setting.)
 */
import { Box, Text, useApp, useInput, useStdout } from 'ink';
import { useEffect, useMemo, useRef, useState } from 'react';
import type { AnalyzeResult } from '../analyzers/analysis/analyze-result.ts';
import { explorerContexts, headerLine, viewLines, VIEWS } from './analyze-explorer-model.ts';

function useTerminalSize(fallback: { columns: number; rows: number }) {
  const { stdout } = useStdout();
  const read = () => ({ columns: stdout.columns || fallback.columns, rows: stdout.rows || fallback.rows });
  const [size, setSize] = useState(read);
  useEffect(() => {
    const onResize = () => setSize(read());
    stdout.on('resize', onResize);
    return () => {
      stdout.off('resize', onResize);
    };
  }, [stdout]);
  return size;
}

export function AnalyzeExplorer({ result }: { result: AnalyzeResult }) {
  const { exit } = useApp();
  const { columns, rows } = useTerminalSize({ columns: 100, rows: 30 });
  const contexts = useMemo(() => explorerContexts(result), [result]);
  const [selected, setSelected] = useState(0);
  const [view, setView] = useState(0);
  const [scroll, setScroll] = useState(0);
  const [quitting, setQuitting] = useState(false);

  // Rows: header, body (tabs + content | context list), footer; one spare row so the terminal never scrolls.
  const body = Math.max(4, rows - 3);
  const current = contexts[selected];
  const lines = useMemo(() => (current ? viewLines(result, current.index, VIEWS[view]!) : []), [result, current, view]);
  const page = body - 1;
  // Read by the key handler through a ref: a key can arrive before ink hands it the newest closure.
  const bounds = useRef({ page, maxScroll: 0 });
  bounds.current = { page, maxScroll: Math.max(0, lines.length - page) };

  useInput((input, key) => {
    if (input === 'q' || key.escape) return setQuitting(true);
    const move = (f: (s: number) => number) => {
      setSelected(f);
      setScroll(0);
    };
    const turn = (f: (v: number) => number) => {
      setView(f);
      setScroll(0);
    };
    if (key.upArrow || input === 'k') move((s) => Math.max(0, s - 1));
    else if (key.downArrow || input === 'j') move((s) => Math.min(contexts.length - 1, s + 1));
    else if (key.home) move(() => 0);
    else if (key.end) move(() => contexts.length - 1);
    else if (key.rightArrow || (key.tab && !key.shift) || input === 'l') turn((v) => (v + 1) % VIEWS.length);
    else if (key.leftArrow || (key.tab && key.shift) || input === 'h') turn((v) => (v + VIEWS.length - 1) % VIEWS.length);
    else if (/^[1-9]$/.test(input) && Number(input) <= VIEWS.length) turn(() => Number(input) - 1);
    else if (key.pageDown || input === ' ') setScroll((s) => Math.min(bounds.current.maxScroll, s + bounds.current.page));
    else if (key.pageUp || input === 'b') setScroll((s) => Math.max(0, s - bounds.current.page));
  });

  useEffect(() => {
    if (quitting) exit();
  }, [quitting, exit]);
  // An empty last frame: ink erases the explorer, and the plain summary is printed after it.
  if (quitting) return null;

  const listWidth = Math.min(32, Math.max(14, ...contexts.map((c) => c.name.length + 6)));
  const first = Math.min(Math.max(0, selected - Math.floor(body / 2)), Math.max(0, contexts.length - body));
  const visible = contexts.slice(first, first + body);
  const shown = lines.slice(scroll, scroll + page);
  const position = lines.length > page ? `  lines ${scroll + 1}-${scroll + shown.length} of ${lines.length}` : '';

  return (
    <Box flexDirection="column" width={columns}>
      <Text wrap="truncate-end">
        <Text bold>strangler analyze</Text>
        <Text dimColor>{`  ${headerLine(result)}`}</Text>
      </Text>
      <Box height={body}>
        <Box flexDirection="column" width={listWidth} marginRight={1} flexShrink={0}>
          {visible.map((c, i) => (
            <Text key={c.name} inverse={first + i === selected} wrap="truncate-end">
              {`${first + i === selected ? '›' : ' '} ${String(c.rank ?? '-').padStart(2)} ${c.name}`}
            </Text>
          ))}
        </Box>
        <Box flexDirection="column" flexGrow={1}>
          <Text wrap="truncate-end">
            {VIEWS.map((v, i) => (
              <Text key={v} bold={i === view} underline={i === view} dimColor={i !== view}>
                {`${i + 1} ${v}`}
                {i < VIEWS.length - 1 ? '  ' : ''}
              </Text>
            ))}
          </Text>
          {shown.map((line, i) => (
            <Text key={`${scroll + i}`} wrap="truncate-end">
              {line}
            </Text>
          ))}
        </Box>
      </Box>
      <Text dimColor wrap="truncate-end">{`↑↓ context  ←→ view  PgUp/PgDn scroll  q quit${position}`}</Text>
    </Box>
  );
}
