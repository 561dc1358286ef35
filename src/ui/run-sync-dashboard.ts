/** Opens the sync status dashboard on a terminal and resolves when the user quits. Loads ink and React lazily. */
export interface DashboardIo {
  stdout: NodeJS.WriteStream;
  stdin: NodeJS.ReadStream;
}

export async function runSyncDashboard(load: () => Promise<string>, intervalMs: number, io: DashboardIo): Promise<void> {
  const [{ render }, { createElement }, { SyncDashboard }] = await Promise.all([import('ink'), import('react'), import('./sync-dashboard.tsx')]);
  const app = render(createElement(SyncDashboard, { load, intervalMs }), { stdout: io.stdout, stdin: io.stdin, exitOnCtrlC: true, patchConsole: false });
  await app.waitUntilExit();
}
