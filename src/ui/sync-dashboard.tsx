/** @jsxRuntime automatic @jsxImportSource react */
/**
 * `strangler sync status --watch` in a terminal: the status table, refreshed every interval, with the time of the
 * last refresh and the last error (the previous table stays up while a database is unreachable). q or Esc quits.
 */
import { Box, Text, useApp, useInput } from 'ink';
import { useEffect, useState } from 'react';

export interface SyncDashboardProps {
  /** Reads the status and renders it as text (the same table the plain command prints). */
  load: () => Promise<string>;
  intervalMs: number;
}

export function SyncDashboard({ load, intervalMs }: SyncDashboardProps) {
  const { exit } = useApp();
  const [text, setText] = useState<string | null>(null);
  const [refreshed, setRefreshed] = useState<Date | null>(null);
  const [error, setError] = useState<string | null>(null);
  useInput((input, key) => {
    if (input === 'q' || key.escape) exit();
  });
  useEffect(() => {
    let stopped = false;
    let timer: NodeJS.Timeout | undefined;
    const tick = async () => {
      try {
        const t = await load();
        if (stopped) return;
        setText(t);
        setError(null);
      } catch (e) {
        if (stopped) return;
        setError((e as Error).message);
      }
      setRefreshed(new Date());
      if (!stopped) timer = setTimeout(tick, intervalMs);
    };
    void tick();
    return () => {
      stopped = true;
      if (timer) clearTimeout(timer);
    };
  }, [load, intervalMs]);
  return (
    <Box flexDirection="column">
      <Text bold>
        strangler sync status — every {(intervalMs / 1000).toFixed(0)} s
        {refreshed ? `, last ${refreshed.toISOString().slice(11, 19)} UTC` : ', reading…'} — q quits
      </Text>
      {text !== null ? <Text>{text.trimEnd()}</Text> : null}
      {error !== null ? <Text color="red">cannot refresh: {error}</Text> : null}
    </Box>
  );
}
