import { writeFile } from 'node:fs/promises';
import type { DistributedStateStore } from '@batchactions/core';
import type { Command } from 'commander';
import { cancelJob, pauseJob, purgeJob, resumeJob } from '../../control/job-control';
import { readJobStatus } from '../../control/job-status';
import {
  failedRecordReports,
  renderFailedRecords,
  type FailedRecordsFormat,
} from '../../failed-records';
import { CliUsageError } from '../cli-errors';
import { withStore } from '../open-store';
import { nonEmpty } from '../option-parsers';
import { runAction } from '../run-action';
import { parseStoreUrl, STORE_URL_FORMS, type StoreLocation } from '../store-url';

interface StoreOption {
  readonly store: StoreLocation;
}

type Transition = (store: DistributedStateStore, jobId: string) => Promise<boolean>;

/**
 * A command that moves a job's status (pause, resume, cancel) or deletes it (purge). It prints
 * what happened; a job that was not in a state the command applies to is a usage error naming
 * its current status.
 */
function addTransitionCommand(
  program: Command,
  name: string,
  description: string,
  transition: Transition,
  done: string,
): void {
  program
    .command(name)
    .description(description)
    .argument('<jobId>', 'job id printed by prepare', nonEmpty)
    .requiredOption('--store <url>', `state store: ${STORE_URL_FORMS}`, parseStoreUrl)
    .action((jobId: string, options: StoreOption, command: Command) =>
      runAction(command, () =>
        withStore(options.store, async ({ store }) => {
          const before = await readJobStatus(store, jobId);
          if (!(await transition(store, jobId))) {
            throw new CliUsageError(`cannot ${name} job ${jobId}: it is ${before.status}`);
          }
          process.stdout.write(`job ${jobId}: ${done}\n`);
        }),
      ),
    );
}

interface FailedOptions extends StoreOption {
  readonly format: string;
  readonly output?: string;
}

/** `failed <jobId>`: the job's invalid and failed rows with their errors, as CSV or NDJSON. */
async function exportFailed(jobId: string, options: FailedOptions): Promise<void> {
  if (options.format !== 'csv' && options.format !== 'ndjson') {
    throw new CliUsageError(`--format must be csv or ndjson, got "${options.format}"`);
  }
  const format: FailedRecordsFormat = options.format;
  await withStore(options.store, async ({ store }) => {
    await readJobStatus(store, jobId);
    const text = [...renderFailedRecords(await failedRecordReports(store, jobId), format)].join('');
    if (options.output === undefined) process.stdout.write(text);
    else await writeFile(options.output, text);
  });
}

/** Adds `pause`, `resume`, `cancel`, `purge` and `failed` to the program. */
export function addControlCommands(program: Command): void {
  addTransitionCommand(
    program,
    'pause',
    'Stop handing out the batches of a PROCESSING job (batches in flight finish).',
    pauseJob,
    'PAUSED',
  );
  addTransitionCommand(
    program,
    'resume',
    'Hand out the batches of a PAUSED job again.',
    resumeJob,
    'PROCESSING',
  );
  addTransitionCommand(
    program,
    'cancel',
    'End a job as ABORTED: no more batches, and workers abort the batches they hold.',
    cancelJob,
    'ABORTED',
  );
  addTransitionCommand(
    program,
    'purge',
    'Delete a job with its batches and records.',
    purgeJob,
    'deleted',
  );
  program
    .command('failed')
    .description("Export a job's invalid and failed rows with their row numbers and errors.")
    .argument('<jobId>', 'job id printed by prepare', nonEmpty)
    .requiredOption('--store <url>', `state store: ${STORE_URL_FORMS}`, parseStoreUrl)
    .option('--format <format>', 'csv or ndjson', 'csv')
    .option('--output <file>', 'write to this file instead of standard output')
    .action((jobId: string, options: FailedOptions, command: Command) =>
      runAction(command, () => exportFailed(jobId, options)),
    );
}
