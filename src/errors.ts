/**
 * The few error classes of strangler, each mapped to a documented exit code.
 * Only src/cli.ts catches them; everything else throws.
 */
export const ExitCode = {
  ok: 0,
  findings: 1,
  usage: 2,
  environment: 3,
  internal: 70,
  /** Stopped by Ctrl-C (SIGINT) or SIGTERM before it finished, after cleaning up what it started. */
  interrupted: 130,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

export abstract class StranglerError extends Error {
  abstract readonly exitCode: ExitCode;
  /** What the user should do about it, appended to the one-line message. */
  readonly hint?: string;
  constructor(message: string, hint?: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.hint = hint;
  }
  /** One line: what, where, what to do. */
  oneLine(): string {
    return this.hint ? `${this.message} — ${this.hint}` : this.message;
  }
}

/** Bad flags, arguments or input files (exit 2). */
export class UsageError extends StranglerError {
  readonly exitCode = ExitCode.usage;
}

/** strangler.yaml or another config/input file is missing or invalid (exit 2). */
export class ConfigError extends StranglerError {
  readonly exitCode = ExitCode.usage;
}

/** A database, broker, service or tool cannot be reached or used (exit 3). */
export class EnvironmentError extends StranglerError {
  readonly exitCode = ExitCode.environment;
}

/** Ctrl-C (SIGINT) or SIGTERM stopped a long-running command; what it had started is cleaned up (exit 130). */
export class InterruptedError extends StranglerError {
  readonly exitCode = ExitCode.interrupted;
}

export function isStranglerError(e: unknown): e is StranglerError {
  return e instanceof StranglerError;
}
