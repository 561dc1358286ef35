/** Opens the `strangler status` dashboard on a terminal and resolves when the user quits. Loads ink and React lazily. */
import type { StatusResult } from '../status/status-result.ts';
import type { DashboardIo } from './run-sync-dashboard.ts';

export async function runStatusDashboard(load: () => Promise<StatusResult>, intervalMs: number, io: DashboardIo): Promise<void> {
  const [{ render }, { createElement }, { StatusDashboard }] = await Promise.all([import('ink'), import('react'), import('./status-dashboard.tsx')]);
  const app = render(createElement(StatusDashboard, { load, intervalMs }), { stdout: io.stdout, stdin: io.stdin, exitOnCtrlC: true, patchConsole: false });
  await app.waitUntilExit();
}
