/**
 * The demo's child processes (the sample monolith, its workload, the generated service, the Kafka broker): started in
 * a process group of their own (Ctrl-C in the terminal reaches only the demo, which then stops them in order), their
 * output appended to a log file in the demo folder, and a line they print awaited as the sign they are ready.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { EnvironmentError, InterruptedError } from '../errors.ts';

export interface ChildOptions {
  /** `the sample monolith`: how messages name it. */
  what: string;
  command: string;
  args: string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  logFile: string;
  /** A line matching this on stdout/stderr means the process is ready; its match is returned. Without it: started is ready. */
  ready?: RegExp;
  readyTimeoutMs?: number;
  signal?: AbortSignal;
}

export interface RunningChild {
  pid: number;
  match: string[];
  /** Resolves with the exit code once it has exited. */
  exited: Promise<number | null>;
  /** Everything it printed since it started (the last 64 KB). */
  output(): string;
  /** SIGTERM to its process group, SIGKILL after `graceMs`; resolves once it has exited. */
  stop(graceMs?: number): Promise<void>;
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    process.kill(-child.pid!, signal);
  } catch {
    try {
      child.kill(signal);
    } catch {
      // already gone
    }
  }
}

export async function startChild(o: ChildOptions): Promise<RunningChild> {
  const log = createWriteStream(o.logFile, { flags: 'a' });
  const child = spawn(o.command, o.args, { cwd: o.cwd, env: o.env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let seen = '';
  let exitCode: number | null | undefined;
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code, sig) => {
      exitCode = code ?? (sig ? 128 : null);
      resolve(exitCode);
    });
    child.once('error', () => resolve((exitCode = 127)));
  });
  void exited.then(() => log.end());
  const stop = async (graceMs = 10_000) => {
    if (exitCode !== undefined || !child.pid) return;
    killGroup(child, 'SIGTERM');
    const timer = setTimeout(() => killGroup(child, 'SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
    killGroup(child, 'SIGKILL'); // anything the process left in its group
  };
  let waiting = true;
  let onReady: (m: string[]) => void = () => {};
  const onData = (chunk: Buffer) => {
    log.write(chunk);
    seen = (seen + chunk.toString()).slice(-65536);
    const m = waiting && o.ready ? o.ready.exec(seen) : null;
    if (m) onReady(m);
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  const match = await new Promise<string[]>((resolve, reject) => {
    const fail = (e: Error) => {
      cleanup();
      void stop(2000).then(() => reject(e));
    };
    onReady = (m) => {
      cleanup();
      resolve(m);
    };
    const onExit = () => fail(new EnvironmentError(`${o.what} exited (code ${exitCode}) before it was ready: ${lastLines(seen)}`, `see ${o.logFile}`));
    const onAbort = () => fail(new InterruptedError(`interrupted while starting ${o.what}`));
    const timer = setTimeout(() => fail(new EnvironmentError(`${o.what} was not ready within ${Math.round((o.readyTimeoutMs ?? 60_000) / 1000)} s`, `see ${o.logFile}`)), o.readyTimeoutMs ?? 60_000);
    function cleanup() {
      waiting = false;
      clearTimeout(timer);
      o.signal?.removeEventListener('abort', onAbort);
    }
    void exited.then(() => waiting && onExit());
    if (o.signal?.aborted) onAbort();
    else if (!o.ready) setImmediate(() => waiting && onReady([]));
    if (!o.signal?.aborted) o.signal?.addEventListener('abort', onAbort, { once: true });
  });
  return { pid: child.pid!, match, exited, output: () => seen, stop };
}

function lastLines(text: string): string {
  const lines = text.split('\n').map((l) => l.trim()).filter(Boolean);
  return lines.slice(-3).join(' | ') || 'no output';
}
