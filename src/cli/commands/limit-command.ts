import type { JobLimitsChange, RateLimit } from '@batchactions/core';
import type { Command } from 'commander';
import { setJobLimits } from '../../control/job-limits';
import { readJobStatus } from '../../control/job-status';
import { CliUsageError } from '../cli-errors';
import { limitsLine, NONE, parseMaxBatches, parseRate } from '../limit-text';
import { withStore } from '../open-store';
import { nonEmpty } from '../option-parsers';
import { runAction } from '../run-action';
import { storeOption, type StoreLocation } from '../store-url';

interface LimitOptions {
  readonly store: StoreLocation;
  readonly rate?: RateLimit | typeof NONE;
  readonly maxBatches?: number | typeof NONE;
}

/**
 * `limit <jobId> --rate 100/s --max-batches 4`: changes the job-wide limits of a job while it
 * runs (issue 27); every worker of the job follows within a tenth of the rate's window (rate)
 * or at its next claim (cap). Prints the limits in force.
 */
export function addLimitCommand(program: Command): void {
  program
    .command('limit')
    .description(
      'change the job-wide limits of a job while it runs: a rate of processor calls across every worker, and a cap on batches processed at once',
    )
    .argument('<jobId>', 'job id printed by prepare', nonEmpty)
    .addOption(storeOption({ required: true }))
    .option(
      '--rate <rate>',
      'job-wide rate of processor calls: N/unit (100/s, 6000/min, 50/500ms; units ms, s, min, h), or none to remove it',
      parseRate,
    )
    .option(
      '--max-batches <n>',
      'at most this many batches processed at once across every worker, or none to remove the cap',
      parseMaxBatches,
    )
    .addHelpText(
      'after',
      '\nA limit left out is kept. Workers see a new rate at their next lease of tokens (within a\n' +
        'fifth of its window), a new cap at their next claim. See docs/limits.md.',
    )
    .action((jobId: string, options: LimitOptions, command: Command) =>
      runAction(
        command,
        () =>
          withStore(options.store, 'existing', async ({ store }) => {
            if (options.rate === undefined && options.maxBatches === undefined) {
              throw new CliUsageError('give --rate, --max-batches or both');
            }
            const change: JobLimitsChange = {
              ...(options.rate === undefined
                ? {}
                : { rateLimit: options.rate === NONE ? null : options.rate }),
              ...(options.maxBatches === undefined
                ? {}
                : {
                    maxConcurrentBatches: options.maxBatches === NONE ? null : options.maxBatches,
                  }),
            };
            if (!(await setJobLimits(store, jobId, change))) {
              await readJobStatus(store, jobId); // throws JobNotFoundError, named by runAction
            }
            const limits = (await readJobStatus(store, jobId)).limits ?? {};
            process.stdout.write(`job ${jobId}: ${limitsLine(limits)}\n`);
          }),
        jobId,
      ),
    );
}
