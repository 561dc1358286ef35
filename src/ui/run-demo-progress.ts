/** Opens the demo's progress view on a terminal; events go in through `onEvent`. Loads ink and React lazily. */
import type { DemoEvent } from '../demo/demo-events.ts';

export interface DemoProgressView {
  onEvent(e: DemoEvent): void;
  onSignal(signal: string): void;
  /** Renders the last frame and lets go of the terminal. */
  close(): Promise<void>;
}

type Listener = (e: DemoEvent | { type: 'signal'; signal: string }) => void;

export async function startDemoProgress(io: { stdout: NodeJS.WriteStream }): Promise<DemoProgressView> {
  const [{ render }, { createElement }, { DemoProgress }] = await Promise.all([import('ink'), import('react'), import('./demo-progress.tsx')]);
  let listener: Listener | undefined;
  const queued: Parameters<Listener>[0][] = [];
  const send = (e: Parameters<Listener>[0]) => (listener ? listener(e) : queued.push(e));
  const subscribe = (l: Listener) => {
    listener = l;
    for (const e of queued.splice(0)) l(e);
  };
  const app = render(createElement(DemoProgress, { subscribe }), { stdout: io.stdout, exitOnCtrlC: false, patchConsole: false });
  return {
    onEvent: send,
    onSignal: (signal) => send({ type: 'signal', signal }),
    close: async () => {
      await new Promise((r) => setTimeout(r, 50)); // let the last state render
      app.unmount();
      await app.waitUntilExit();
    },
  };
}
