/** @jsxRuntime automatic @jsxImportSource react */
/**
 * `strangler sync status --watch` in a terminal: the status table, refreshed every interval, with the time of the
 * last refresh and the last error (the previous table stays up while a database is unreachable). q or Esc quits.
 */
import { Box, Text } from 'ink';
import { usePolled } from './use-polled.ts';

export interface SyncDashboardProps {
  /** Reads the status and renders it as text (the same table the plain command prints). */
  load: () => Promise<string>;
  intervalMs: number;
}

export function SyncDashboard({ load, intervalMs }: SyncDashboardProps) {
  const { value: text, error, refreshed } = usePolled(load, intervalMs);
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
