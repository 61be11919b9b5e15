import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { addControlCommands } from './commands/control-commands';
import { addDemoCommand } from './commands/demo-command';
import { addPrepareCommand } from './commands/prepare-command';
import { addStatusCommand } from './commands/status-command';
import { addWorkCommand } from './commands/work-command';
import { describeError } from './format';
import { USAGE_EXIT_CODE } from './run-action';

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
  const program = new Command('batchactions-distributed')
    .description(
      'Import huge CSV/JSON/XML files with many workers: prepare a file once, let worker processes claim and process its batches.',
    )
    .version(packageVersion())
    // Settings inherited by the commands added below: throw instead of exiting, write to the
    // process streams, and show the usage after an error.
    .exitOverride()
    .configureOutput({
      writeOut: (text) => process.stdout.write(text),
      writeErr: (text) => process.stderr.write(text),
    })
    .showHelpAfterError()
    .showSuggestionAfterError();
  addDemoCommand(program);
  addPrepareCommand(program);
  addWorkCommand(program);
  addStatusCommand(program);
  addControlCommands(program);
  return program;
}

/**
 * Runs the CLI with `argv` (as `process.argv`: node, script, arguments...) and returns the exit
 * code: 0 on success (and for --help/--version), 2 for usage errors (already reported with the
 * usage), 1 for runtime failures (reported here).
 */
export async function runCli(argv: readonly string[]): Promise<number> {
  const program = buildProgram();
  if (argv.length <= 2) {
    // Commander prints the usage but names no problem when the command is missing.
    process.stderr.write(
      'error: missing command: demo, prepare, work, status, pause, resume, cancel, failed or purge\n\n',
    );
  }
  try {
    await program.parseAsync([...argv]);
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      return error.exitCode === 0 ? 0 : USAGE_EXIT_CODE;
    }
    process.stderr.write(`error: ${describeError(error)}\n`);
    if (process.env.BATCHACTIONS_DEBUG === '1' && error instanceof Error && error.stack) {
      process.stderr.write(`${error.stack}\n`);
    }
    return RUNTIME_EXIT_CODE;
  }
}
