/** What the demo's steps share: options, the folder, the registry of started resources, and what earlier steps found. */
import path from 'node:path';
import { InterruptedError } from '../errors.ts';
import type { DemoEvent } from './demo-events.ts';
import type { ResourceRegistry } from './resource-registry.ts';

export interface DemoOptions {
  /** The demo folder (created; must be empty or absent). */
  dir: string;
  /** The context carried through the flow (default catalog). */
  context: string;
  /** Keep the data folders (PostgreSQL, Kafka) instead of deleting them. */
  keep: boolean;
  /** Sync directly even when Java is there (no broker). */
  noKafka?: boolean;
  /** Rows of the sample's seed: SCALE of its seed (default 1: a few thousand rows). */
  scale?: number;
  /** Requests per second of the workload driver (default 20). */
  workloadRate?: number;
}

export interface DemoState {
  adminUrl?: string;
  monolithDatabase?: string;
  serviceDatabase?: string;
  monolithUrl?: string;
  serviceUrl?: string;
  servicePort?: number;
  kafkaBrokers?: string[];
  /** Why there is no broker, when there is none. */
  noKafkaReason?: string;
  /** The analysis' name of the context the demo carries (it may be renamed to options.context). */
  proposedName?: string;
  serviceRoot?: string;
  /** Routes extract moved into the service (API parity and traffic need some). */
  movedRoutes?: number;
  /** Why extract moved no route (from its not-moved list). */
  notMovedWhy?: string;
  /** Replaces the workload driver with one aimed at another URL (the proxy). */
  restartWorkload?: (baseUrl: string) => Promise<void>;
  proxyListen?: string;
  /** The proxy's traffic URL once it listens. */
  proxyUrl?: string;
  proxyAdmin?: string;
}

export interface DemoContext {
  options: DemoOptions;
  dir: string;
  configFile: string;
  /** Where the demo's data folders go (outside the demo folder: as root the embedded server runs as `postgres`). */
  dataDir: string;
  logsDir: string;
  registry: ResourceRegistry;
  state: DemoState;
  signal: AbortSignal;
  emit(e: DemoEvent): void;
  /** Data folders kept by --keep. */
  kept: string[];
  /** What the flow does not do, and why. */
  notDone: string[];
}

export function logFile(ctx: DemoContext, name: string): string {
  return path.join(ctx.logsDir, name);
}

/** Throws when the demo has been interrupted (between two pieces of work). */
export function checkInterrupted(signal: AbortSignal): void {
  if (signal.aborted) throw new InterruptedError('interrupted');
}

/** Settles with `work`, or rejects as soon as the demo is interrupted (work that cannot be cancelled is left behind). */
export function untilInterrupted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(new InterruptedError('interrupted'));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new InterruptedError('interrupted'));
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}
