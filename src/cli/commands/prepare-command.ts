import { randomUUID } from 'node:crypto';
import { basename } from 'node:path';
import { cliOpenTelemetry } from '../otel-sdk';
import {
  FilePathSource,
  JobStatus,
  UrlSource,
  type DataSource,
  type DistributedStateStore,
} from '@batchactions/core';
import { Command, Option } from 'commander';
import { DistributedImport } from '../../distributed-import';
import type { PrepareOutcome } from '../../prepare/prepare-job';
import { currentStatus } from '../../prepare/batch-writers';
import { resumesPrepare } from '../../prepare/prepare-heartbeat';
import { CliUsageError, JobCommandError } from '../cli-errors';
import { withCliFlags } from '../flag-names';
import { formatCount, formatDuration, formatRate } from '../format';
import { loadSchema } from '../load-schema';
import { withStore } from '../open-store';
import { integerAtLeast, nonEmpty, readableFile, readableFileOrUrl } from '../option-parsers';
import { runAction } from '../run-action';
import {
  MALFORMED_ROWS_MODES,
  parserFor,
  resolveFormat,
  SOURCE_FORMATS,
  type SourceFormat,
} from '../source-format';
import type { DamagedRowsReport, MalformedRowsMode } from '@batchactions/import';
import { storeOption, type StoreLocation } from '../store-url';
import {
  activeJobsOfFile,
  isActive,
  describeIdentity,
  fileIdentity,
  jobsOfFile,
  onceJobIdFor,
  randomJobIdFor,
  SameFileJobError,
  statusPhrase,
  type FileIdentity,
} from '../source-identity';

/** Options of `prepare`, as commander parses them. */
export interface PrepareCommandOptions {
  readonly schema: string;
  readonly store: StoreLocation;
  readonly batchSize?: number;
  readonly format?: SourceFormat;
  readonly recordElement?: string;
  readonly malformedRows?: MalformedRowsMode;
  readonly json?: boolean;
  readonly openEarly?: boolean;
  readonly resume?: string;
  readonly takeOverAfter?: number;
  readonly maxTime?: number;
  readonly once?: boolean;
}

/** True for the `http://` and `https://` sources `prepare` downloads with `UrlSource`. */
function isHttpUrl(source: string): boolean {
  return /^https?:\/\//i.test(source);
}

/** The data source for a `prepare` argument: a local file, or an `http(s)://` URL. */
function sourceFor(source: string): DataSource {
  return isHttpUrl(source) ? new UrlSource(source) : new FilePathSource(source);
}

/** The path part of a source, whose extension tells the format (a URL's query is not part). */
function pathOf(source: string): string {
  return isHttpUrl(source) ? new URL(source).pathname : source;
}

/**
 * SIGTERM/SIGINT during `prepare`: stop cleanly after the batch being stored (the job can be
 * resumed with `--resume`). A second signal ends the process at once (exit code 130). Both
 * messages name the job, so that it can be resumed or purged.
 */
function stopOnSignals(jobId: string): { signal: AbortSignal; dispose: () => void } {
  const stop = new AbortController();
  const onSignal = (signal: NodeJS.Signals): void => {
    if (stop.signal.aborted) {
      process.stderr.write(
        `prepare: ${signal} received again, exiting now; job ${jobId} keeps the batches stored ` +
          `so far: go on with --resume ${jobId}, or purge it\n`,
      );
      process.exit(130);
    }
    process.stderr.write(
      `prepare: ${signal} received, stopping job ${jobId} after the batch being stored (resume later with --resume ${jobId})\n`,
    );
    stop.abort();
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  return {
    signal: stop.signal,
    dispose: () => {
      process.off('SIGTERM', onSignal);
      process.off('SIGINT', onSignal);
    },
  };
}

/** Exit code of a prepare that stopped before the end (`--max-time`, a signal): resume it. */
export const PREPARE_STOPPED_EXIT_CODE = 3;

/** Exit code of `prepare --once` when a job from the same file is active in the store. */
export const PREPARE_REFUSED_EXIT_CODE = 4;

/**
 * The job id for a new prepare of a local file (its name, size and modification time in the
 * id's first groups, see `identityPrefix`), after warning about (or, with `--once`, refusing
 * for) the file's jobs that are being prepared or processed. `undefined` for a URL or a resume.
 */
async function jobIdForFile(
  store: DistributedStateStore,
  file: string,
  options: PrepareCommandOptions,
): Promise<{ jobId: string; identity: FileIdentity } | undefined> {
  if (options.resume !== undefined || isHttpUrl(file)) return undefined;
  const identity = fileIdentity(file);
  if (options.once === true) {
    // One listing decides both: a job created after it has the id computed from it, so a
    // concurrent `--once` run either is in this listing or collides on that id.
    const jobs = await jobsOfFile(store, identity);
    const first = jobs.find((job) => isActive(job.status));
    if (first !== undefined) throw new SameFileJobError(first.jobId, first.status, identity);
    return { jobId: onceJobIdFor(identity, jobs), identity };
  }
  const active = await activeJobsOfFile(store, identity);
  for (const job of active) {
    process.stderr.write(
      `warning: job ${job.jobId} from the same file (${describeIdentity(identity)}) is ` +
        `${statusPhrase(job.status)} in the store; preparing another job ` +
        '(prepare --once refuses instead)\n',
    );
  }
  return { jobId: randomJobIdFor(identity), identity };
}

/**
 * `prepare <file|url>`: streams a file (or an `http(s)://` URL) into the store as a job of
 * batches; prints the job id. With `--resume <jobId>` it goes on with that job's prepare.
 */
export async function prepareFile(file: string, options: PrepareCommandOptions): Promise<void> {
  if (options.once === true && (options.resume !== undefined || isHttpUrl(file))) {
    throw new CliUsageError(
      options.resume === undefined
        ? '--once applies to a local file (a URL has no size and modification time to compare)'
        : '--once applies to a new job, not to --resume',
    );
  }
  try {
    await prepareOrRefuse(file, options);
  } catch (error) {
    if (!(error instanceof SameFileJobError)) throw error;
    process.stderr.write(`error: ${error.message}\n`);
    process.exitCode = PREPARE_REFUSED_EXIT_CODE;
  }
}

async function prepareOrRefuse(file: string, options: PrepareCommandOptions): Promise<void> {
  const format = resolveFormat(pathOf(file), options.format);
  const parser = await parserFor({
    format,
    ...(options.recordElement === undefined ? {} : { recordElement: options.recordElement }),
    ...(options.malformedRows === undefined ? {} : { malformedRows: options.malformedRows }),
  });
  const schema = await loadSchema(options.schema);
  await withStore(
    options.store,
    options.resume === undefined ? 'create' : 'existing',
    async ({ store }) => {
      const importer = new DistributedImport({
        schema,
        stateStore: store,
        ...(options.batchSize === undefined ? {} : { batchSize: options.batchSize }),
        openTelemetry: cliOpenTelemetry(),
      });
      const started = performance.now();
      const deadline = options.maxTime === undefined ? undefined : Date.now() + options.maxTime;
      const json = options.json === true;
      // The id is printed as soon as workers can claim the job's batches: with early open, when
      // the prepare starts, so that a script reading stdout starts its workers meanwhile;
      // otherwise when every batch is stored (as before). A prepare that stopped before the end
      // never opened the job: its id is printed at the end.
      const forFile = await jobIdForFile(store, file, options);
      // Known before the prepare starts (a URL gets a fresh one too), so that every way out,
      // a second Ctrl-C included, names the job.
      const jobId = options.resume ?? forFile?.jobId ?? randomUUID();
      const signals = stopOnSignals(jobId);
      const printed = { jobId: false };
      const onOpen = (jobId: string): void => {
        if (json) return;
        process.stdout.write(`${jobId}\n`);
        printed.jobId = true;
      };
      const prepareOptions = {
        // The file's name, for the dashboard's search and `list` (a URL names itself).
        ...(options.resume === undefined
          ? { jobId, ...(isHttpUrl(file) ? {} : { sourceName: basename(file) }) }
          : {}),
        // A store that cannot resume a prepare cannot stop one cleanly either.
        ...(resumesPrepare(store) ? { stopSignal: signals.signal } : {}),
        deadlineMarginMs: 0,
        ...(options.openEarly === true ? { openEarly: true } : {}),
        ...(deadline === undefined ? {} : { remainingTimeMs: () => deadline - Date.now() }),
        onOpen,
      };
      let result: PrepareOutcome;
      try {
        result =
          options.resume === undefined
            ? await importer.prepare(sourceFor(file), parser, prepareOptions)
            : await importer.resumePrepare(options.resume, sourceFor(file), parser, {
                ...prepareOptions,
                ...(options.takeOverAfter === undefined
                  ? {}
                  : { takeOverAfterMs: options.takeOverAfter }),
              });
      } catch (error) {
        const reworded = withCliFlags(error);
        if (reworded instanceof CliUsageError) throw reworded;
        // Every failure names the job (it may hold batches to resume or purge).
        const message = reworded instanceof Error ? reworded.message : String(reworded);
        throw message.includes(jobId) ? reworded : new JobCommandError(jobId, reworded);
      } finally {
        signals.dispose();
      }
      // Another `--once` run of the file created the job between our check and our prepare.
      if (result.existingStatus !== undefined && forFile !== undefined) {
        throw new SameFileJobError(result.jobId, result.existingStatus, forFile.identity);
      }
      const elapsed = performance.now() - started;
      if (result.stoppedBy !== undefined) process.exitCode = PREPARE_STOPPED_EXIT_CODE;
      if (json) {
        process.stdout.write(`${JSON.stringify(result)}\n`);
        return;
      }
      // The id alone on stdout, so `JOB=$(batchactions-distributed prepare ...)` works.
      if (!printed.jobId) process.stdout.write(`${result.jobId}\n`);
      if (result.damagedRows !== undefined) {
        process.stderr.write(`${damagedRowsWarning(result.damagedRows, options.malformedRows)}\n`);
      }
      if (result.stoppedBy !== undefined) {
        const why = result.stoppedBy === 'deadline' ? '--max-time reached' : 'stopped by a signal';
        process.stderr.write(
          `Stopped (${why}) with ${formatCount(result.totalRecords)} records in ` +
            `${formatCount(result.totalBatches)} batches stored; go on with: ` +
            `batchactions-distributed prepare ${file} --resume ${result.jobId} --schema ${options.schema} --store <url>\n`,
        );
        return;
      }
      if (result.storedRecords !== undefined) {
        process.stderr.write(`${resumeReport(result, format, elapsed)}\n`);
        return;
      }
      if (result.totalRecords === 0) {
        const status = await currentStatus(store, result.jobId);
        process.stderr.write(
          `Prepared 0 records (${format}): the file holds no record (it is empty or has only a header); ` +
            `job ${result.jobId} is ${status ?? 'gone'}${status === JobStatus.COMPLETED ? ', nothing to process' : ''}\n`,
        );
        return;
      }
      process.stderr.write(
        `Prepared ${formatCount(result.totalRecords)} records in ${formatCount(result.totalBatches)} batches ` +
          `(${format}) in ${formatDuration(elapsed)}: ${formatRate(result.totalRecords, elapsed)}\n`,
      );
    },
  );
}

/**
 * The last line of a resumed prepare that ran to the end: the rate counts only what this run
 * stored (a resume skips what earlier runs stored), and a prepare that had finished before says
 * there was nothing left.
 */
export function resumeReport(result: PrepareOutcome, format: string, elapsedMs: number): string {
  const stored = result.storedRecords ?? 0;
  const total = `job ${result.jobId} holds ${formatCount(result.totalRecords)} records in ${formatCount(result.totalBatches)} batches`;
  if (stored === 0) return `Nothing left to prepare: ${total}`;
  return (
    `Resumed and finished: ${formatCount(stored)} records stored by this run in ` +
    `${formatCount(result.storedBatches ?? 0)} batches (${format}) in ${formatDuration(elapsedMs)} ` +
    `(${formatRate(stored, elapsedMs)}); ${total}`
  );
}

/** Shown rows of a damaged-rows warning. */
const WARNED_ROWS = 10;

/**
 * `warning: 1 row looks damaged: lines 501-504 (a quoted field swallowed the lines after it) …`:
 * the rows whose records were stored as read (or invalid with `--malformed-rows invalid`).
 */
export function damagedRowsWarning(
  report: DamagedRowsReport,
  mode: MalformedRowsMode | undefined,
): string {
  const shown = report.rows.slice(0, WARNED_ROWS).map((row) => {
    const lines =
      row.endLine === row.line ? `line ${row.line}` : `lines ${row.line}-${row.endLine}`;
    const what =
      row.kind === 'stray-quote' ? 'a stray quote' : 'a quoted field swallowed the lines after it';
    return `${lines} (row ${row.record}: ${what})`;
  });
  const more =
    report.count > shown.length ? `, and ${formatCount(report.count - shown.length)} more` : '';
  const outcome =
    mode === 'invalid'
      ? 'stored as invalid records'
      : 'stored as read; check them, or use --malformed-rows invalid or fail';
  return (
    `warning: ${formatCount(report.count)} ${report.count === 1 ? 'row looks' : 'rows look'} damaged, ` +
    `${outcome}: ${shown.join(', ')}${more}`
  );
}

/** Adds the `prepare` command to the program. */
export function addPrepareCommand(program: Command): void {
  program
    .command('prepare')
    .description(
      'Read a file (or an http(s):// URL) once and store its records in batches as a new job; print the job id.',
    )
    .argument(
      '<file>',
      'CSV, JSON (array), NDJSON or XML: a local file or an http(s):// URL',
      readableFileOrUrl,
    )
    .requiredOption(
      '--schema <file>',
      'schema: .json, or an ES module exporting it (required)',
      readableFile,
    )
    .addOption(storeOption({ required: true }))
    .option('--batch-size <n>', 'records per batch (default: 100)', integerAtLeast(1))
    .addOption(
      new Option('--format <format>', 'file format (default: from the file extension)').choices(
        SOURCE_FORMATS,
      ),
    )
    .option(
      '--record-element <name>',
      'XML: the element that is a record (default: children of the root)',
    )
    .addOption(
      new Option(
        '--malformed-rows <mode>',
        'CSV: a row with the wrong number of fields, or damaged by a stray or unclosed quote, is ' +
          'kept as a record (keep, as published; damaged rows are warned about), made an invalid ' +
          'record naming its line (invalid), or fails the prepare (fail) (default: keep)',
      ).choices(MALFORMED_ROWS_MODES),
    )
    .option(
      '--open-early',
      'open the job to workers at once: batches are claimable as soon as they are stored (default: when every record is stored)',
    )
    .option(
      '--resume <jobId>',
      'go on with the prepare of this job (stopped, or its process died): reads the same file from where its last stored batch ends',
      nonEmpty,
    )
    .option(
      '--take-over-after <ms>',
      'with --resume: take over a prepare whose last heartbeat is older than this: 0 (at once: its process is known dead) or at least 10000, twice the heartbeat interval (default: 30000)',
      integerAtLeast(0),
    )
    .option(
      '--max-time <ms>',
      `stop cleanly after this long, between two batches, and exit with code ${String(PREPARE_STOPPED_EXIT_CODE)} (resume with --resume)`,
      integerAtLeast(1),
    )
    .option(
      '--once',
      `refuse (exit code ${String(PREPARE_REFUSED_EXIT_CODE)}) when a job from the same file (name, size, modification time) is being prepared or processed in the store; without it such a job gets a warning (default: warn)`,
    )
    .option(
      '--json',
      'print {"jobId","totalRecords","totalBatches"} as JSON (with "stoppedBy" when it stopped before the end)',
    )
    .action((file: string, options: PrepareCommandOptions, command: Command) =>
      runAction(command, () => prepareFile(file, options)),
    );
}
