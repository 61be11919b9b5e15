import {
  UnsupportedByStoreError,
  type DistributedStateStore,
  type JobListEntry,
  type JobListFilter,
  type JobStatus,
} from '@batchactions/core';
import type { Command } from 'commander';
import { formatCount, formatDuration } from '../format';
import { jobStatusList } from '../job-filters';
import { withStore } from '../open-store';
import { integerAtLeast } from '../option-parsers';
import { runAction } from '../run-action';
import { storeOption, type StoreLocation } from '../store-url';

/** Options of `list`, as commander parses them. */
export interface ListCommandOptions {
  readonly store: StoreLocation;
  readonly status?: JobStatus[];
  readonly limit?: number;
  readonly prepareTimeout: number;
  readonly json?: boolean;
}

/** The status cell: the status, and for a job being prepared whether its prepare lives. */
export function statusCell(entry: JobListEntry, prepareTimeoutMs: number): string {
  if (entry.prepareStopped === true) return `${entry.status} (prepare stopped: resume it)`;
  const age = entry.prepareHeartbeatAgeMs;
  if (age === undefined) return entry.status;
  if (entry.openEarly === true && age <= prepareTimeoutMs) {
    return `${entry.status} (preparing, opened early)`;
  }
  return age > prepareTimeoutMs
    ? `${entry.status} (prepare abandoned ${formatDuration(age)} ago)`
    : `${entry.status} (preparing)`;
}

/** The store's `listJobs`, or an error naming the missing method. */
export function listJobsOf(
  store: DistributedStateStore,
  filter: JobListFilter,
): Promise<readonly JobListEntry[]> {
  if (!store.listJobs) throw new UnsupportedByStoreError('list', 'listJobs');
  return store.listJobs(filter);
}

/**
 * How long ago the job's prepare started (`createdAt`), as text; for jobs whose store does not
 * record it, since the job opened (`startedAt`); `-` when neither is known.
 */
export function jobAge(entry: JobListEntry, now: number): string {
  const since = entry.createdAt ?? entry.startedAt;
  return since === undefined ? '-' : formatDuration(Math.max(0, now - since));
}

function table(entries: readonly JobListEntry[], now: number, prepareTimeoutMs: number): string {
  const rows = entries.map((entry) => [
    entry.jobId,
    statusCell(entry, prepareTimeoutMs),
    `${formatCount(entry.processedRecords + entry.failedRecords)}/${formatCount(entry.totalRecords)}`,
    formatCount(entry.failedRecords),
    `${formatCount(entry.completedBatches + entry.failedBatches)}/${formatCount(entry.totalBatches)}`,
    formatCount(entry.processingBatches),
    jobAge(entry, now),
    // Last: a name may hold spaces, and the columns before it keep their places.
    entry.sourceName ?? '-',
  ]);
  const header = [
    'JOB',
    'STATUS',
    'RECORDS DONE',
    'FAILED',
    'BATCHES DONE',
    'IN FLIGHT',
    'AGE',
    'SOURCE',
  ];
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)),
  );
  return [header, ...rows]
    .map((row) =>
      row
        .map((cell, column) => cell.padEnd(widths[column] ?? 0))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/** `list`: the store's jobs with status, counts and age, newest first. */
export async function listJobs(options: ListCommandOptions): Promise<void> {
  const filter: JobListFilter = {
    ...(options.status === undefined ? {} : { statuses: options.status }),
    ...(options.limit === undefined ? {} : { limit: options.limit }),
  };
  await withStore(options.store, 'existing', async ({ store }) => {
    const entries = await listJobsOf(store, filter);
    if (options.json === true) {
      process.stdout.write(`${JSON.stringify(entries)}\n`);
      return;
    }
    if (entries.length === 0) {
      const which =
        options.status === undefined ? '' : ` with status ${options.status.join(' or ')}`;
      process.stdout.write(`no jobs${which}\n`);
      return;
    }
    process.stdout.write(`${table(entries, Date.now(), options.prepareTimeout)}\n`);
  });
}

/** Adds the `list` command to the program. */
export function addListCommand(program: Command): void {
  program
    .command('list')
    .description(
      'List the jobs of a store, newest first: status, records and batches done, batches in flight, age, source file.',
    )
    .addOption(storeOption({ required: true }))
    .option(
      '--status <statuses>',
      'only jobs in these statuses, comma-separated (e.g. FAILED,ABORTED)',
      jobStatusList,
    )
    .option('--limit <n>', 'at most this many jobs (the newest)', integerAtLeast(1))
    .option(
      '--prepare-timeout <ms>',
      'show a job being prepared as abandoned when its prepare heartbeat is older than this',
      integerAtLeast(1),
      30_000,
    )
    .option(
      '--json',
      'print a JSON array of {jobId, status, counts, createdAt?, startedAt, completedAt, prepareHeartbeatAgeMs?}',
    )
    .action((options: ListCommandOptions, command: Command) =>
      runAction(command, () => listJobs(options)),
    );
}
