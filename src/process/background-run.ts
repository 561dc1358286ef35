/**
 * Background runs (a detached sync, the proxy): one module for their pid file, log file, liveness and stop.
 *
 * Liveness is a unix socket the live process listens on under `.strangler/`: the kernel closes it the moment the
 * process dies, so a killed process (even one still a zombie, which answers `kill(pid, 0)`) holds nothing, and
 * binding the socket is also the lock that refuses a second run.
 *
 *   1. runFiles      the pid, log and socket paths of a run
 *   2. probeRun      connects to the socket: the pid and readiness of the live process, or undefined
 *   3. holdRun       binds the socket (refusing when another process holds it), writes the pid file
 *   4. detachRun     starts the same command line in the background and waits until it is ready or has died
 *   5. stopRun       SIGTERM, then waits for the socket to go away
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, readSync, rmSync, statSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { EnvironmentError, ExitCode, StranglerError, UsageError } from '../errors.ts';

/** A background run: its file stem under .strangler/, how messages name it, the command that stops it. */
export interface BackgroundRun {
  /** File stem: `sync-catalog`, `proxy`. */
  id: string;
  /** `sync catalog`, `the proxy`. */
  what: string;
  /** `strangler sync stop catalog`. */
  stop: string;
  /** How to start it in the background (for "not running" messages). */
  start?: string;
}

export interface RunFiles {
  dir: string;
  pidFile: string;
  logFile: string;
  /** The socket's address: a path under .strangler/, or an abstract name when that path is too long for a socket. */
  socket: string;
}

// 1. ---- files ----

const MAX_SOCKET_PATH = 100; // sun_path holds 108 bytes on Linux

export function runFiles(configDir: string, run: Pick<BackgroundRun, 'id'>): RunFiles {
  const dir = path.join(path.resolve(configDir), '.strangler');
  const socketPath = path.join(dir, `${run.id}.sock`);
  const socket = Buffer.byteLength(socketPath) <= MAX_SOCKET_PATH || process.platform !== 'linux'
    ? socketPath
    : `\0strangler-${createHash('sha1').update(socketPath).digest('hex')}`;
  return { dir, pidFile: path.join(dir, `${run.id}.pid`), logFile: path.join(dir, `${run.id}.log`), socket };
}

// 2. ---- liveness ----

export interface LiveRun {
  pid: number;
  /** The run said it has started its work (connected, listening...). */
  ready: boolean;
}

/** The live process holding the run's socket, or undefined when none does (never started, stopped, killed). */
export function probeRun(files: RunFiles, timeoutMs = 2000): Promise<LiveRun | undefined> {
  return new Promise((resolve) => {
    const socket = net.connect(files.socket);
    let data = '';
    const done = (v: LiveRun | undefined) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(v);
    };
    const timer = setTimeout(() => done(undefined), timeoutMs);
    socket.setEncoding('utf8');
    socket.on('data', (d) => (data += d));
    socket.on('end', () => {
      try {
        const v = JSON.parse(data) as LiveRun;
        done(Number.isInteger(v.pid) ? v : undefined);
      } catch {
        done(undefined);
      }
    });
    socket.on('error', () => done(undefined));
  });
}

/** The pid of the run's live process, or undefined. */
export async function runningPid(configDir: string, run: Pick<BackgroundRun, 'id'>): Promise<number | undefined> {
  return (await probeRun(runFiles(configDir, run)))?.pid;
}

// 3. ---- hold ----

export interface HeldRun {
  files: RunFiles;
  /** Tells `detachRun` (and probes) that the work has started. */
  ready(): void;
  release(): Promise<void>;
}

function listen(server: net.Server, address: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(address, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

/** Binds the run's socket (the lock: a second process is refused) and writes the pid file. */
export async function holdRun(configDir: string, run: BackgroundRun): Promise<HeldRun> {
  const files = runFiles(configDir, run);
  mkdirSync(files.dir, { recursive: true });
  let ready = false;
  const server = net.createServer((c) => c.end(JSON.stringify({ pid: process.pid, ready })));
  try {
    await listen(server, files.socket);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw new EnvironmentError(`cannot create ${files.socket}: ${(e as Error).message}`, `check that ${files.dir} is writable`);
    const other = await probeRun(files);
    if (other) throw new UsageError(`${run.what} is already running (pid ${other.pid})`, `stop it first: ${run.stop}`);
    rmSync(files.socket, { force: true }); // left by a killed process: nobody listens on it
    await listen(server, files.socket);
  }
  server.unref();
  writeFileSync(files.pidFile, `${process.pid}\n`);
  return {
    files,
    ready: () => void (ready = true),
    release: async () => {
      await new Promise<void>((r) => server.close(() => r()));
      if (existsSync(files.pidFile) && readFileSync(files.pidFile, 'utf8').trim() === String(process.pid)) rmSync(files.pidFile, { force: true });
    },
  };
}

/** Runs `work` while holding the run (refusing a second one); released when it ends, however it ends. */
export async function withRun<T>(configDir: string, run: BackgroundRun, work: (ready: () => void) => Promise<T>): Promise<T> {
  const held = await holdRun(configDir, run);
  try {
    return await work(held.ready);
  } finally {
    await held.release();
  }
}

// 4. ---- detach ----

/** A background run that died while starting: exits with the child's own exit code and its last error line. */
export class BackgroundRunExited extends StranglerError {
  readonly exitCode: ExitCode;
  constructor(message: string, hint: string, exitCode: number) {
    super(message, hint);
    this.exitCode = (exitCode > 0 && exitCode < 256 ? exitCode : ExitCode.environment) as ExitCode;
  }
}

export interface DetachOptions {
  configDir: string;
  run: BackgroundRun;
  /** The command line to run in the background (node's own flags are added). */
  args: string[];
  /** How long to wait for the child to say it is ready before reporting it as running anyway (default 15 s). */
  readyTimeoutMs?: number;
  env?: NodeJS.ProcessEnv;
}

export interface DetachedRun {
  pid: number;
  logFile: string;
  pidFile: string;
  /** False when the child was still starting (e.g. retrying a connection) when the wait ended. */
  ready: boolean;
}

/** The last error line the child wrote to its log since `offset` (its one-line `strangler: ...` message). */
export function lastLogError(logFile: string, offset: number): string | undefined {
  if (!existsSync(logFile)) return undefined;
  const size = statSync(logFile).size;
  const start = Math.max(offset, size - 64 * 1024);
  const buf = Buffer.alloc(size - start);
  const fd = openSync(logFile, 'r');
  try {
    readSync(fd, buf, 0, buf.length, start);
  } finally {
    closeSync(fd);
  }
  const lines = buf.toString('utf8').split('\n').map((l) => l.trim()).filter(Boolean);
  return [...lines].reverse().find((l) => /^strangler:|error/i.test(l)) ?? lines.at(-1);
}

export async function detachRun(o: DetachOptions): Promise<DetachedRun> {
  const files = runFiles(o.configDir, o.run);
  const other = await probeRun(files);
  if (other) throw new UsageError(`${o.run.what} is already running (pid ${other.pid})`, `stop it first: ${o.run.stop}`);
  mkdirSync(files.dir, { recursive: true });
  const offset = existsSync(files.logFile) ? statSync(files.logFile).size : 0;
  const log = openSync(files.logFile, 'a');
  const child = spawn(process.execPath, [...process.execArgv, ...o.args], { detached: true, stdio: ['ignore', log, log], env: { ...(o.env ?? process.env), NO_COLOR: '1' } });
  closeSync(log);
  let exit: number | null | undefined;
  child.on('exit', (code, signal) => (exit = code ?? (signal ? 128 : 1)));
  child.on('error', () => (exit = exit ?? ExitCode.environment));
  child.unref();
  const pid = child.pid;
  if (!pid) throw new EnvironmentError(`could not start ${o.run.what} in the background`, `run it in the foreground to see why, or read ${files.logFile}`);
  const deadline = Date.now() + (o.readyTimeoutMs ?? 15_000);
  let live: LiveRun | undefined;
  while (Date.now() < deadline && exit === undefined) {
    live = await probeRun(files, 500);
    if (live?.pid === pid && live.ready) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  if (exit !== undefined) {
    const why = lastLogError(files.logFile, offset);
    throw new BackgroundRunExited(`${o.run.what} exited with code ${exit} right after starting in the background${why ? `: ${why.replace(/^strangler:\s*/, '')}` : ''}`, `see ${files.logFile}`, exit ?? ExitCode.environment);
  }
  if (live?.pid !== pid) {
    child.kill('SIGTERM');
    throw new EnvironmentError(`${o.run.what} did not start within ${Math.round((o.readyTimeoutMs ?? 15_000) / 1000)} s`, `see ${files.logFile}`);
  }
  return { pid, logFile: files.logFile, pidFile: files.pidFile, ready: live.ready };
}

// 5. ---- stop ----

export interface StopResult {
  pid: number;
  stopped: boolean;
  waitedMs: number;
}

/** SIGTERM to the run's live process, then waits (up to timeoutMs) until it no longer holds its socket. */
export async function stopRun(configDir: string, run: BackgroundRun, timeoutMs = 60_000): Promise<StopResult> {
  const files = runFiles(configDir, run);
  const live = await probeRun(files);
  if (!live) throw new UsageError(`${run.what} is not running`, run.start ? `start it with ${run.start}` : `nothing to stop`);
  const started = Date.now();
  try {
    process.kill(live.pid, 'SIGTERM');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ESRCH') throw e;
  }
  while (Date.now() - started < timeoutMs) {
    if ((await probeRun(files, 500))?.pid !== live.pid) return { pid: live.pid, stopped: true, waitedMs: Date.now() - started };
    await new Promise((r) => setTimeout(r, 100));
  }
  return { pid: live.pid, stopped: false, waitedMs: Date.now() - started };
}
