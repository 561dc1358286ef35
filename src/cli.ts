/**
 * The command-line program: global options, command registration, the one place errors are caught.
 * Command modules are small registration files; their work is imported lazily inside each action.
 */
import { Command, CommanderError, Option } from 'commander';
import { readFileSync } from 'node:fs';
import type { CliRuntime, GlobalOptions, RegisterCommand } from './cli-runtime.ts';
import { ExitCode, isStranglerError } from './errors.ts';
import { registerInit } from './commands/init.cli.ts';
import { registerConfig } from './commands/config.cli.ts';
import { registerVerifyParity } from './commands/verify-parity.cli.ts';
import { registerAnalyze } from './commands/analyze.cli.ts';
import { registerSync } from './commands/sync.cli.ts';
import { registerRoute } from './commands/route.cli.ts';
import { registerContext } from './commands/context.cli.ts';
import { registerExtract } from './commands/extract.cli.ts';
import { registerStatus } from './commands/status.cli.ts';
import { registerProxy } from './commands/proxy.cli.ts';
import { registerDemo } from './commands/demo.cli.ts';

/**
 * The default plan file (config/load-config.ts's DEFAULT_CONFIG_FILE, not imported: loading the config module
 * pulls in zod and yaml, a tenth of a second that --help and --version do not need).
 */
const DEFAULT_CONFIG_FILE = 'strangler.yaml';

const commands: RegisterCommand[] = [registerInit, registerConfig, registerAnalyze, registerVerifyParity, registerSync, registerContext, registerExtract, registerRoute, registerStatus, registerProxy, registerDemo];

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

export interface MainIo {
  stdout?: { write(s: string): unknown; isTTY?: boolean };
  stderr?: { write(s: string): unknown };
  env?: NodeJS.ProcessEnv;
}

export async function main(argv: string[], io: MainIo = {}): Promise<number> {
  const stdout = io.stdout ?? process.stdout;
  const stderr = io.stderr ?? process.stderr;
  const env = io.env ?? process.env;
  const program = new Command('strangler');
  const runtime: CliRuntime = {
    globals: () => readGlobals(program, env, Boolean(stdout.isTTY)),
    out: { write: (s) => void stdout.write(s) },
    err: { write: (s) => void stderr.write(s) },
    exitCode: ExitCode.ok,
    isTTY: Boolean(stdout.isTTY),
  };
  program
    .description('Take a monolith apart with the Strangler Fig pattern, one bounded context at a time.')
    .version(version(), '-V, --version')
    .option('-c, --config <file>', 'the plan file', DEFAULT_CONFIG_FILE)
    .option('--json', 'machine-readable output on stdout')
    .option('--no-color', 'plain output (also NO_COLOR=1)')
    .option('--debug', 'show stack traces')
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput({
      writeOut: (s) => void stdout.write(s),
      writeErr: (s) => void stderr.write(s),
    })
    .addHelpText(
      'after',
      '\nExit codes: 0 success, 1 findings (e.g. parity differences), 2 invalid usage/config/input,\n' +
        '            3 environment (database, broker or service unreachable), 70 internal error,\n' +
        '            130 interrupted (Ctrl-C or SIGTERM; what it had started is cleaned up).',
    );
  for (const register of commands) register(program, runtime);
  for (const sub of program.commands) sub.exitOverride().showSuggestionAfterError(true);

  try {
    await program.parseAsync(argv);
    return runtime.exitCode;
  } catch (e) {
    return reportError(e, runtime, { debug: argv.includes('--debug'), json: argv.includes('--json') });
  }
}

function readGlobals(program: Command, env: NodeJS.ProcessEnv, isTTY: boolean): GlobalOptions {
  const o = program.opts<{ config: string; json?: boolean; color: boolean; debug?: boolean }>();
  const noColorEnv = env.NO_COLOR !== undefined && env.NO_COLOR !== '';
  return {
    config: o.config,
    configExplicit: program.getOptionValueSource('config') === 'cli',
    json: Boolean(o.json),
    color: o.color && !noColorEnv && (isTTY || Boolean(env.FORCE_COLOR)),
    debug: Boolean(o.debug),
  };
}

/**
 * The one place errors are reported: one line on stderr; with --json, also the error as JSON on stdout (where
 * the command's JSON would have gone), `{"error":{"message","hint","exitCode","kind"}}`.
 */
function reportError(e: unknown, runtime: CliRuntime, { debug, json }: { debug: boolean; json: boolean }): number {
  const code = reportErrorLine(e, runtime, debug);
  if (json && !(e instanceof CommanderError && code === ExitCode.ok)) {
    const err = e as Error;
    const kind = isStranglerError(e) ? e.name : e instanceof CommanderError ? 'UsageError' : 'InternalError';
    const message = e instanceof CommanderError ? err.message.replace(/^error: /, '') : (err?.message ?? String(e));
    const hint = isStranglerError(e) ? e.hint : code === ExitCode.internal ? 'rerun with --debug and report it' : undefined;
    runtime.out.write(`${JSON.stringify({ error: { message, ...(hint ? { hint } : {}), exitCode: code, kind } })}\n`);
  }
  return code;
}

function reportErrorLine(e: unknown, runtime: CliRuntime, debug: boolean): number {
  if (e instanceof CommanderError) {
    // help and version exit "successfully" through exitOverride
    if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help') {
      return ExitCode.ok;
    }
    return ExitCode.usage; // commander already printed the message
  }
  if (isStranglerError(e)) {
    runtime.err.write(`strangler: ${e.oneLine()}\n`);
    if (debug && e.stack) runtime.err.write(`${e.stack}\n`);
    return e.exitCode;
  }
  const err = e as Error;
  runtime.err.write(`strangler: internal error: ${err?.message ?? String(e)} — rerun with --debug and report it\n`);
  if (debug && err?.stack) runtime.err.write(`${err.stack}\n`);
  return ExitCode.internal;
}

export { Option };
