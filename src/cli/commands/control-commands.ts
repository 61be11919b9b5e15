import { existsSync, statSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import {
  BatchActionsError,
  JobNotFoundError,
  JobStatus,
  type DistributedStateStore,
  type JobListEntry,
} from '@batchactions/core';
import type { Command } from 'commander';
import { cancelJob, pauseJob, purgeJob, resumeJob } from '../../control/job-control';
import { readJobStatus } from '../../control/job-status';
import {
  failedRecordReports,
  renderFailedRecords,
  type FailedRecordsFormat,
} from '../../failed-records';
import { CliUsageError } from '../cli-errors';
import { formatDuration, formatMegabytes } from '../format';
import { age, jobStatusList } from '../job-filters';
import { withStore } from '../open-store';
import { nonEmpty } from '../option-parsers';
import { runAction } from '../run-action';
import { storeOption, type StoreLocation } from '../store-url';
import { jobAge, listJobsOf } from './list-command';

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
    .addOption(storeOption({ required: true }))
    .action((jobId: string, options: StoreOption, command: Command) =>
      runAction(
        command,
        () =>
          withStore(options.store, 'existing', async ({ store }) => {
            const before = await readJobStatus(store, jobId);
            if (!(await transition(store, jobId))) {
              throw new CliUsageError(`cannot ${name} job ${jobId}: it is ${before.status}`);
            }
            process.stdout.write(`job ${jobId}: ${done}\n`);
          }),
        jobId,
      ),
    );
}

interface FailedOptions extends StoreOption {
  readonly format: string;
  readonly output?: string;
  readonly raw?: boolean;
}

/** `failed <jobId>`: the job's invalid and failed rows with their errors, as CSV or NDJSON. */
async function exportFailed(jobId: string, options: FailedOptions): Promise<void> {
  if (options.format !== 'csv' && options.format !== 'ndjson') {
    throw new CliUsageError(`--format must be csv or ndjson, got "${options.format}"`);
  }
  const format: FailedRecordsFormat = options.format;
  await withStore(options.store, 'existing', async ({ store }) => {
    await readJobStatus(store, jobId);
    const reports = await failedRecordReports(store, jobId);
    const text = [...renderFailedRecords(reports, format, { raw: options.raw === true })].join('');
    if (options.output === undefined) process.stdout.write(text);
    else await writeFile(options.output, text);
  });
}

interface PurgeOptions extends StoreOption {
  readonly status?: JobStatus[];
  readonly olderThan?: number;
  readonly dryRun?: boolean;
  readonly vacuum?: boolean;
  readonly fullVacuum?: boolean;
}

/** What an SQLite store's `reclaimSpace` gives (the CLI's view of it). */
interface SpaceReclaimer {
  reclaimSpace(options: { full?: boolean }): Promise<{
    readonly mode: 'incremental' | 'full' | 'none';
  }>;
}

function reclaimsSpace(store: unknown): store is SpaceReclaimer {
  return typeof (store as Partial<SpaceReclaimer>).reclaimSpace === 'function';
}

/** Bytes on disk of an SQLite store: the file and its WAL. */
export function sqliteFileBytes(filename: string): number {
  const size = (path: string) => (existsSync(path) ? statSync(path).size : 0);
  return size(filename) + size(`${filename}-wal`);
}

/**
 * `purge --vacuum`: gives the freed pages of an SQLite file back; prints the sizes on disk
 * (file and WAL) before the purge and after the vacuum.
 */
async function vacuumAfterPurge(
  store: DistributedStateStore,
  location: StoreLocation,
  full: boolean,
  before: number,
): Promise<void> {
  if (location.kind !== 'sqlite' || !reclaimsSpace(store)) return;
  const result = await store.reclaimSpace({ full });
  const after = sqliteFileBytes(location.filename);
  const sizes = `${location.filename}: ${formatMegabytes(before)} before the purge, ${formatMegabytes(after)} after`;
  if (result.mode === 'none') {
    process.stdout.write(
      `${sizes}: nothing given back, the file was created without incremental auto-vacuum; ` +
        'run purge --full-vacuum once (it rewrites the file, then --vacuum is enough)\n',
    );
    return;
  }
  process.stdout.write(
    `${sizes} (${result.mode === 'full' ? 'file rewritten' : 'incremental vacuum'})\n`,
  );
}

/** Statuses of jobs that may still be worked on: purging them by filter needs --older-than. */
const LIVE_STATUSES: readonly JobStatus[] = [
  JobStatus.CREATED,
  JobStatus.PREVIEWING,
  JobStatus.PREVIEWED,
  JobStatus.PROCESSING,
  JobStatus.PAUSED,
];

/** The jobs a `purge --status` selects. */
async function selectForPurge(
  store: DistributedStateStore,
  options: PurgeOptions & { status: JobStatus[] },
): Promise<readonly JobListEntry[]> {
  const live = options.status.filter((status) => LIVE_STATUSES.includes(status));
  if (live.length > 0 && options.olderThan === undefined) {
    throw new CliUsageError(
      `purge --status ${live.join(',')} could delete a job that is still running; add --older-than <age> (e.g. 1d) to purge only abandoned ones`,
    );
  }
  const entries = await listJobsOf(store, { statuses: options.status });
  if (options.olderThan === undefined) return entries;
  const olderThan = options.olderThan;
  const cutoff = Date.now() - olderThan;
  // A job being prepared is as old as its last prepare heartbeat (a prepare that died stops
  // renewing it); another job with no start time cannot be shown to be old: it is kept.
  return entries.filter((entry) =>
    entry.prepareHeartbeatAgeMs !== undefined
      ? entry.prepareHeartbeatAgeMs >= olderThan
      : entry.startedAt !== undefined && entry.startedAt <= cutoff,
  );
}

/** `purge`: deletes the jobs named, or those `--status` (and `--older-than`) select. */
async function purge(jobIds: readonly string[], options: PurgeOptions): Promise<void> {
  if (jobIds.length > 0 && options.status !== undefined) {
    throw new CliUsageError('purge takes job ids or --status, not both');
  }
  if (jobIds.length === 0 && options.status === undefined) {
    throw new CliUsageError(
      'purge needs the job ids to delete, or --status (e.g. --status FAILED,ABORTED) to select them',
    );
  }
  if (options.olderThan !== undefined && options.status === undefined) {
    throw new CliUsageError('--older-than selects among --status; give --status too');
  }
  const vacuum = options.vacuum === true || options.fullVacuum === true;
  if (vacuum && options.store.kind !== 'sqlite') {
    throw new CliUsageError(
      '--vacuum and --full-vacuum apply to SQLite stores; PostgreSQL gives the space of deleted rows back to its tables through autovacuum',
    );
  }
  await withStore(options.store, 'existing', async ({ store }) => {
    const sizeBefore =
      options.store.kind === 'sqlite' ? sqliteFileBytes(options.store.filename) : 0;
    const now = Date.now();
    const targets: { jobId: string; note: string }[] =
      options.status === undefined
        ? jobIds.map((jobId) => ({ jobId, note: '' }))
        : (await selectForPurge(store, { ...options, status: options.status })).map((entry) => ({
            jobId: entry.jobId,
            note:
              entry.prepareHeartbeatAgeMs === undefined
                ? ` (${entry.status}, started ${jobAge(entry, now)} ago)`
                : ` (${entry.status}, prepare abandoned, last heartbeat ${formatDuration(entry.prepareHeartbeatAgeMs)} ago)`,
          }));
    if (targets.length === 0) {
      process.stdout.write('no job to purge\n');
      if (vacuum && options.dryRun !== true) {
        await vacuumAfterPurge(store, options.store, options.fullVacuum === true, sizeBefore);
      }
      return;
    }
    const missing: string[] = [];
    for (const { jobId, note } of targets) {
      if (options.dryRun === true) {
        process.stdout.write(`job ${jobId}: would be deleted${note}\n`);
      } else if (await purgeJob(store, jobId)) {
        process.stdout.write(`job ${jobId}: deleted${note}\n`);
      } else {
        missing.push(jobId);
      }
    }
    if (vacuum && options.dryRun !== true) {
      await vacuumAfterPurge(store, options.store, options.fullVacuum === true, sizeBefore);
    }
    const [first, ...others] = missing;
    if (first !== undefined && others.length === 0) throw new JobNotFoundError(first);
    if (first !== undefined) {
      throw new BatchActionsError(
        'JOB_NOT_FOUND',
        `${missing.length} of ${targets.length} jobs were not found (nothing deleted for them): ${missing.join(', ')}`,
      );
    }
  });
}

function addPurgeCommand(program: Command): void {
  program
    .command('purge')
    .description(
      'Delete jobs with their batches and records: the jobs named, or those --status selects (e.g. failed and abandoned jobs).',
    )
    .argument('[jobIds...]', 'ids of the jobs to delete')
    .addOption(storeOption({ required: true }))
    .option(
      '--status <statuses>',
      'delete every job in these statuses, comma-separated (e.g. FAILED,ABORTED); statuses of jobs that may still run (CREATED, PROCESSING, PAUSED) need --older-than',
      jobStatusList,
    )
    .option(
      '--older-than <age>',
      'with --status: only jobs started longer ago than this (e.g. 90m, 12h, 7d); a job being prepared: whose prepare heartbeat is older (a dead prepare: --status CREATED --older-than 5m)',
      age,
    )
    .option('--dry-run', 'print what would be deleted, delete nothing')
    .option(
      '--vacuum',
      'SQLite: then give the freed space back to the file system (incremental vacuum, fast; files created before this version need --full-vacuum once)',
    )
    .option(
      '--full-vacuum',
      'SQLite: then rewrite the file (VACUUM) to give every free page back; holds the write lock meanwhile and needs free disk space about the file size',
    )
    .action((jobIds: string[], options: PurgeOptions, command: Command) =>
      runAction(command, () => purge(jobIds, options), jobIds.length === 1 ? jobIds[0] : undefined),
    );
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
  addPurgeCommand(program);
  program
    .command('failed')
    .description(
      "Export a job's invalid and failed rows with their errors; row N is the N-th record of the source (1-based, the CSV header not counted).",
    )
    .argument('<jobId>', 'job id printed by prepare', nonEmpty)
    .addOption(storeOption({ required: true }))
    .option('--format <format>', 'csv or ndjson', 'csv')
    .option('--output <file>', 'write to this file instead of standard output')
    .option(
      '--raw',
      "CSV: write cells as stored; by default a cell starting with = + - @ tab or CR gets a leading ' so spreadsheets do not run it as a formula",
    )
    .action((jobId: string, options: FailedOptions, command: Command) =>
      runAction(command, () => exportFailed(jobId, options), jobId),
    );
}
