/** @jsxRuntime automatic @jsxImportSource react */
/**
 * `strangler status --watch` in a terminal: one block per context (phase, sync both ways, parity, traffic and
 * 5xx, the next step), the parts that could not be read, refreshed every interval. The last status stays up while
 * a refresh fails. q or Esc quits.
 */
import { Box, Text } from 'ink';
import { usePolled } from './use-polled.ts';
import { parityCell, syncCell, trafficCell } from '../report/status-text.ts';
import type { ContextStatus, StatusResult } from '../status/status-result.ts';

export interface StatusDashboardProps {
  load: () => Promise<StatusResult>;
  intervalMs: number;
}

const phaseColor: Record<string, string> = { analyzed: 'gray', extracted: 'gray', syncing: 'cyan', shadow: 'magenta', canary: 'yellow', service: 'green', retired: 'green' };

function ContextBlock({ c }: { c: ContextStatus }) {
  const t = c.traffic;
  const pct = (x: number | null) => (x === null ? '-' : `${(100 * x).toFixed(1)}%`);
  const parityColor = c.parity.state === 'stored' ? (c.parity.verdict === 'pass' ? 'green' : 'red') : 'gray';
  return (
    <Box flexDirection="column" marginTop={1}>
      <Text>
        <Text bold>{c.domain}</Text> <Text color={phaseColor[c.phase]}>{c.label}</Text>
        {c.unreachable.length ? <Text color="red"> (could not read: {c.unreachable.join(', ')})</Text> : null}
      </Text>
      <Text>  sync monolith→service {syncCell(c.sync.forward)}{c.sync.reverse ? `   service→monolith ${syncCell(c.sync.reverse)}` : ''}</Text>
      <Text>  parity <Text color={parityColor}>{parityCell(c.parity)}</Text></Text>
      <Text>
        {'  '}traffic {trafficCell(c)}
        {t ? `   5xx monolith ${pct(t.errorRate.monolith)}, service ${pct(t.errorRate.service)}   shadow ${t.shadow.compared} compared, ${t.shadow.mismatches} mismatches` : ''}
      </Text>
      {(t?.rollbacks ?? []).slice(-2).map((rb) => (
        <Text key={rb.at} color="yellow">  rolled back at {rb.at}: {rb.reason}</Text>
      ))}
      <Text>  next: <Text color="green">{c.nextStep}</Text></Text>
    </Box>
  );
}

export function StatusDashboard({ load, intervalMs }: StatusDashboardProps) {
  const { value: status, error } = usePolled(load, intervalMs);
  const p = status?.proxy;
  return (
    <Box flexDirection="column">
      <Text bold>
        strangler status — every {(intervalMs / 1000).toFixed(0)} s
        {status ? `, last ${status.at.slice(11, 19)} UTC` : ', reading…'} — q quits
      </Text>
      {p ? <Text>proxy {p.admin}: {p.reachable ? <Text color="green">running since {p.startedAt}</Text> : <Text color="yellow">{p.error}</Text>}</Text> : null}
      {status?.contexts.map((c) => <ContextBlock key={c.domain} c={c} />)}
      {status?.unreachable.length ? (
        <Box flexDirection="column" marginTop={1}>
          <Text color="red">could not read:</Text>
          {status.unreachable.map((u) => (
            <Text key={`${u.part} ${u.where}`} color="red">  {u.part} {u.where}: {u.error}</Text>
          ))}
        </Box>
      ) : null}
      {error !== null ? <Text color="red">cannot refresh: {error}</Text> : null}
    </Box>
  );
}
