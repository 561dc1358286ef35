/**
 * What every command registration gets: the global options, and where output goes.
 * Commands return data; reporters turn it into text; only `out`/`err` here write.
 */
import type { Command } from 'commander';

export interface GlobalOptions {
  /** Path of strangler.yaml (default: strangler.yaml in the working directory). */
  config: string;
  /** Whether --config was given explicitly (a missing default file is not always an error). */
  configExplicit: boolean;
  json: boolean;
  color: boolean;
  debug: boolean;
}

export interface Output {
  write(text: string): void;
}

export interface CliRuntime {
  globals(): GlobalOptions;
  out: Output;
  err: Output;
  /** Exit code for the current command (0 unless a command sets it). */
  exitCode: number;
  /** True when stdout is a terminal (ink UI allowed). */
  isTTY: boolean;
}

/** Each command file exports one of these; src/cli.ts lists them. */
export type RegisterCommand = (program: Command, runtime: CliRuntime) => void;
