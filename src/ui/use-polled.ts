/**
 * The refresh loop of the `--watch` dashboards: calls `load` now and then `intervalMs` after each answer, keeps the
 * last value while a refresh fails (the error is returned beside it), and q or Esc quits.
 */
import { useApp, useInput } from 'ink';
import { useEffect, useState } from 'react';

export interface Polled<T> {
  value: T | null;
  error: string | null;
  /** When the last refresh (successful or not) ended. */
  refreshed: Date | null;
}

export function usePolled<T>(load: () => Promise<T>, intervalMs: number): Polled<T> {
  const { exit } = useApp();
  const [state, setState] = useState<Polled<T>>({ value: null, error: null, refreshed: null });
  useInput((input, key) => {
    if (input === 'q' || key.escape) exit();
  });
  useEffect(() => {
    let stopped = false;
    let timer: NodeJS.Timeout | undefined;
    const tick = async () => {
      let next: Partial<Polled<T>>;
      try {
        next = { value: await load(), error: null };
      } catch (e) {
        next = { error: (e as Error).message };
      }
      if (stopped) return;
      setState((s) => ({ ...s, ...next, refreshed: new Date() }));
      timer = setTimeout(tick, intervalMs);
    };
    void tick();
    return () => {
      stopped = true;
      if (timer) clearTimeout(timer);
    };
  }, [load, intervalMs]);
  return state;
}
