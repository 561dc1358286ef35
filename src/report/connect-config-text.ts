/** Text output of `strangler sync connect-config`. */
import path from 'node:path';
import type { ConnectConfigResult } from '../commands/sync-connect-config.ts';
import { renderFilePlan } from './file-plan-text.ts';

export function renderConnectConfig(r: ConnectConfigResult): string {
  const rel = (p: string) => path.relative(process.cwd(), p) || p;
  const lines = [
    `${r.written ? 'wrote' : 'would write'} the Kafka Connect configuration of ${r.domain}:`,
    ...r.files.map((f) => `  ${rel(f.path)}  ${f.name} (${f.connectorClass})`),
    renderFilePlan(r.plan, r.written).trimEnd(),
    ...r.notes.map((n) => `note: ${n}`),
    `register each with: curl -X POST -H 'Content-Type: application/json' --data @<file> http://<connect>:8083/connectors`,
  ];
  return `${lines.join('\n')}\n`;
}
