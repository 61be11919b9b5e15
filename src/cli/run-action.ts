import type { Command } from 'commander';
import { CliUsageError } from './cli-errors';

/** Exit code of usage errors (bad arguments, options, files). */
export const USAGE_EXIT_CODE = 2;

/**
 * Runs a command's action; a `CliUsageError` it throws is reported like commander's own usage
 * errors (message, then the command's usage, exit code 2). Other errors propagate.
 */
export async function runAction(command: Command, body: () => Promise<void>): Promise<void> {
  try {
    await body();
  } catch (error) {
    if (error instanceof CliUsageError) {
      command.error(`error: ${error.message}`, {
        exitCode: USAGE_EXIT_CODE,
        code: 'batchactions.usage',
      });
    }
    throw error;
  }
}
