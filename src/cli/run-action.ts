import type { Command } from 'commander';
import { CliUsageError, JobCommandError, jobIdOf } from './cli-errors';
import { scrubSecrets } from './format';

/** Exit code of usage errors (bad arguments, options, files, store URLs, modules). */
export const USAGE_EXIT_CODE = 2;

/** The one line printed after a usage error, pointing at the full help. */
export function usageHint(commandPath: string): string {
  return `(run '${commandPath} --help' for usage)`;
}

/**
 * Runs a command's action; a `CliUsageError` it throws is reported like commander's own usage
 * errors (message, then one line pointing at `--help`, exit code 2). Any other error propagates,
 * named after its job: the command's `jobId`, else the one the error carries, unless its message
 * names the job already.
 */
export async function runAction(
  command: Command,
  body: () => Promise<void>,
  jobId?: string,
): Promise<void> {
  try {
    await body();
  } catch (error) {
    if (error instanceof CliUsageError) {
      const job = jobId ?? jobIdOf(error);
      const message =
        job === undefined || error.message.includes(job)
          ? error.message
          : `job ${job}: ${error.message}`;
      command.error(`error: ${scrubSecrets(message)}`, {
        exitCode: USAGE_EXIT_CODE,
        code: 'batchactions.usage',
      });
    }
    const job = jobId ?? jobIdOf(error);
    const message = error instanceof Error ? error.message : String(error);
    if (job !== undefined && !message.includes(job)) throw new JobCommandError(job, error);
    throw error;
  }
}
