import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { addControlCommands } from './commands/control-commands';
import { addLimitCommand } from './commands/limit-command';
import { addDashboardCommand } from './commands/dashboard-command';
import { addListCommand } from './commands/list-command';
import { addDemoCommand } from './commands/demo-command';
import { addDoctorCommand } from './commands/doctor-command';
import { addPrepareCommand } from './commands/prepare-command';
import { addStatusCommand } from './commands/status-command';
import { addWorkCommand } from './commands/work-command';
import { CliUsageError } from './cli-errors';
import { describeError, scrubSecrets } from './format';
import { USAGE_EXIT_CODE, usageHint } from './run-action';
import { OTEL_FLAG, startCliTelemetry } from './otel-sdk';

/** The binary's name. */
export const PROGRAM_NAME = 'batchactions-distributed';

/** Exit code of runtime failures (store errors, parse errors, a failed worker process). */
export const RUNTIME_EXIT_CODE = 1;

/** The package version; `src/cli` and `dist/cli` both sit two levels below package.json. */
function packageVersion(): string {
  const text = readFileSync(new URL('../../package.json', import.meta.url), 'utf8');
  const { version } = JSON.parse(text) as { version?: unknown };
  return typeof version === 'string' ? version : '0.0.0';
}

/** The `batchactions-distributed` program with its commands. */
export function buildProgram(): Command {
  const program = new Command(PROGRAM_NAME)
    .description(
      'Import huge CSV/JSON/XML files with many workers: prepare a file once, let worker processes claim and process its batches.',
    )
    .version(packageVersion())
    // Settings inherited by the commands added below: throw instead of exiting, write to the
    // process streams (errors without secrets: commander quotes bad option values), and point
    // at --help in one line after an error (the full help only on --help).
    .exitOverride()
    .configureOutput({
      writeOut: (text) => process.stdout.write(text),
      writeErr: (text) => process.stderr.write(text),
      outputError: (text, write) => {
        write(scrubSecrets(text));
      },
    })
    .showHelpAfterError(usageHint(PROGRAM_NAME))
    .showSuggestionAfterError()
    // Read (and removed) by runCli before the commands parse; listed here for --help.
    .option(
      OTEL_FLAG,
      'send traces and metrics with OpenTelemetry (OTLP exporter configured from the OTEL_* variables; needs @opentelemetry/api and @opentelemetry/sdk-node installed)',
    );
  addDemoCommand(program);
  addPrepareCommand(program);
  addWorkCommand(program);
  addStatusCommand(program);
  addListCommand(program);
  addControlCommands(program);
  addLimitCommand(program);
  addDoctorCommand(program);
  addDashboardCommand(program);
  for (const command of program.commands) {
    command.showHelpAfterError(usageHint(`${PROGRAM_NAME} ${command.name()}`));
  }
  return program;
}

/** The command named in `argv` (the first argument, when it is one of the program's). */
function commandPathOf(program: Command, argv: readonly string[]): string {
  const name = argv[2];
  const known = program.commands.some((command) => command.name() === name);
  return known ? `${PROGRAM_NAME} ${String(name)}` : PROGRAM_NAME;
}

/**
 * Runs the CLI with `argv` (as `process.argv`: node, script, arguments...) and returns the exit
 * code: 0 on success (and for --help/--version; a command may set another, as `prepare` sets 3
 * when it stopped before the end), 2 for usage errors (the problem and one line
 * pointing at --help), 1 for runtime failures (reported here). Nothing printed shows a password
 * or a URL's query values.
 */
export async function runCli(given: readonly string[]): Promise<number> {
  const program = buildProgram();
  // `--otel` anywhere: a setting of the whole run, not of one command.
  const otelFlag = given.includes(OTEL_FLAG);
  const argv = given.filter((arg) => arg !== OTEL_FLAG);
  if (argv.length <= 2) {
    const names = program.commands.map((command) => command.name()).join(', ');
    process.stderr.write(`error: missing command (one of: ${names})\n${usageHint(PROGRAM_NAME)}\n`);
    return USAGE_EXIT_CODE;
  }
  let stopTelemetry: (() => Promise<void>) | undefined;
  try {
    stopTelemetry = await startCliTelemetry(otelFlag, process.env);
    await program.parseAsync([...argv]);
    // A command that ended without failing may ask for another code (a stopped prepare: 3);
    // main.ts sets the process's exit code from this value, so it must carry that one on.
    return Number(process.exitCode ?? 0);
  } catch (error) {
    if (error instanceof CommanderError) {
      return error.exitCode === 0 ? 0 : USAGE_EXIT_CODE;
    }
    if (error instanceof CliUsageError) {
      // Thrown while parsing an option (a store URL): commander did not report it.
      process.stderr.write(
        `error: ${scrubSecrets(error.message)}\n${usageHint(commandPathOf(program, argv))}\n`,
      );
      return USAGE_EXIT_CODE;
    }
    process.stderr.write(`error: ${describeError(error)}\n`);
    if (process.env.BATCHACTIONS_DEBUG === '1' && error instanceof Error && error.stack) {
      process.stderr.write(`${scrubSecrets(error.stack)}\n`);
    }
    return RUNTIME_EXIT_CODE;
  } finally {
    // Flushes the spans and metrics still buffered; a collector that is down only warns.
    await stopTelemetry?.().catch((error: unknown) => {
      process.stderr.write(`warning: OpenTelemetry shutdown failed: ${describeError(error)}\n`);
    });
  }
}
