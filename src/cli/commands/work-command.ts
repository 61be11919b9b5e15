import { isTerminalJobStatus, JobNotFoundError, JobStatus } from '@batchactions/core';
import { cliOpenTelemetry } from '../otel-sdk';
import type { Command } from 'commander';
import { DistributedImport } from '../../distributed-import';
import type { DistributedBatchResult } from '../../process/process-batch';
import { runWorker, type RunWorkerResult } from '../../worker/run-worker';
import { defaultWorkerId } from '../../worker/worker-id';
import { limitYoungGeneration } from '../../worker/young-generation';
import { CliUsageError } from '../cli-errors';
import { formatCount, formatDuration, formatRate, peakRssBytes } from '../format';
import { loadProcessor } from '../load-processor';
import { loadSchema } from '../load-schema';
import { withStore } from '../open-store';
import { integerAtLeast, nonEmpty, readableFile } from '../option-parsers';
import { runAction } from '../run-action';
import { schemaMismatch } from '../schema-match';
import { storeOption, type StoreLocation } from '../store-url';
import { sendWorkerReport } from '../worker-report';

/** Options of `work`, as commander parses them. */
export interface WorkCommandOptions {
  readonly processor: string;
  readonly store: StoreLocation;
  readonly schema: string;
  readonly workerId?: string;
  readonly concurrency: number;
  readonly recordConcurrency: number;
  readonly staleTimeoutMs?: number;
  /** `leaseTimeoutMs`: reclaim a batch whose heartbeats stopped this long ago. */
  readonly leaseTimeoutMs?: number;
  /** `recordTimeoutMs`: time limit of one processor call. */
  readonly recordTimeoutMs?: number;
  /** `--no-wait` sets it false: exit as soon as nothing is claimable (`waitForOthers: false`). */
  readonly wait: boolean;
  /** `stopWhenPaused`: exit when the job is paused instead of waiting for resume. */
  readonly stopWhenPaused?: boolean;
  /** `coerceValues`: hand the processor typed values (numbers, booleans, dates). */
  readonly coerceValues?: boolean;
  /** `jobWideUniqueFields`: enforce the schema's uniqueFields across the whole job. */
  readonly jobWideUniqueFields?: boolean;
  readonly quiet?: boolean;
  /**
   * `--no-limit-young-generation` sets it false: leave V8's young generation to grow as V8
   * sizes it (up to two 16 MB semi-spaces) instead of `limitYoungGeneration()`.
   */
  readonly limitYoungGeneration?: boolean;
}

/**
 * First SIGTERM/SIGINT: stop claiming, finish the batches in flight. Second: abort them too
 * (they are released unwritten for another worker).
 */
function shutdownSignals(workerId: string): {
  stop: AbortSignal;
  abort: AbortSignal;
  dispose: () => void;
} {
  const stop = new AbortController();
  const abort = new AbortController();
  const onSignal = (signal: NodeJS.Signals): void => {
    if (!stop.signal.aborted) {
      process.stderr.write(
        `worker ${workerId}: ${signal} received, finishing the batches in flight (send it again to release them instead)\n`,
      );
      stop.abort();
    } else if (!abort.signal.aborted) {
      process.stderr.write(
        `worker ${workerId}: ${signal} received again, releasing the batches in flight\n`,
      );
      abort.abort();
    }
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  return {
    stop: stop.signal,
    abort: abort.signal,
    dispose: () => {
      process.off('SIGTERM', onSignal);
      process.off('SIGINT', onSignal);
    },
  };
}

function batchLine(workerId: string, result: DistributedBatchResult): string {
  const batch = `batch ${String(result.batchIndex ?? '?')}`;
  if (result.released === true) return `${workerId}: ${batch} released unwritten (shutdown)\n`;
  const done = result.jobComplete ? ' - job complete' : '';
  return `${workerId}: ${batch} processed ${result.processedCount}, failed ${result.failedCount}${done}\n`;
}

function summaryLine(result: RunWorkerResult, elapsedMs: number): string {
  const records = result.processed + result.failed;
  const finalised = result.jobComplete ? '; finalised the job' : '';
  // Shown only when it happened: the published-looking summary line stays as it was otherwise.
  const lost =
    result.leasesLost > 0
      ? `, ${formatCount(result.leasesLost)} lost to another worker (lease expired)`
      : '';
  return (
    `worker ${result.workerId}: ${formatCount(result.batches)} batches, ${formatCount(result.processed)} processed, ` +
    `${formatCount(result.failed)} failed${lost} in ${formatDuration(elapsedMs)} (${formatRate(records, elapsedMs)}); ` +
    `stopped: ${result.stoppedBy}${result.jobStatus === undefined ? '' : ` (job ${result.jobStatus})`}${finalised}\n`
  );
}

/**
 * Why `work` claims nothing from a job in `status`, or undefined when it can work on it (or,
 * for a PAUSED job, wait for `resume` when `waitWhilePaused`).
 */
export function idleReason(
  jobId: string,
  status: JobStatus,
  waitWhilePaused = false,
): string | undefined {
  if (isTerminalJobStatus(status)) {
    return `job ${jobId} is ${status}: nothing to do (a finished job hands out no batches)`;
  }
  if (status === JobStatus.PAUSED) {
    return waitWhilePaused
      ? undefined
      : `job ${jobId} is PAUSED: nothing to do until \`resume ${jobId}\``;
  }
  if (status !== JobStatus.PROCESSING) {
    return `job ${jobId} is ${status}: its prepare has not finished, no batch can be claimed yet`;
  }
  return undefined;
}

/**
 * A worker's SQLite connection keeps SQLite's own 2 MB page cache instead of better-sqlite3's
 * 16 MB: measured, a worker 14 MB smaller at the same speed (docs/operations.md).
 */
const WORKER_STORE_TUNING = { sqliteCacheSizeKiB: 2000 } as const;

/** `work <jobId>`: processes the job's batches until none is left. */
export async function workOnJob(jobId: string, options: WorkCommandOptions): Promise<void> {
  // This process is a worker and nothing else: its memory is kept small (see
  // limitYoungGeneration), unless the user's node options already size the young generation.
  if (options.limitYoungGeneration !== false) limitYoungGeneration();
  const schema = await loadSchema(options.schema);
  const processor = await loadProcessor(options.processor);
  const workerId = options.workerId ?? defaultWorkerId();
  await withStore(
    options.store,
    'existing',
    async ({ store }) => {
      const job = await store.getJobState(jobId);
      if (!job) throw new JobNotFoundError(jobId);
      const waitWhilePaused = options.wait && options.stopWhenPaused !== true;
      const idle = idleReason(jobId, job.status, waitWhilePaused);
      if (idle !== undefined) {
        // Not a failure: a worker started after the end (or during a pause) has nothing to do.
        process.stderr.write(`worker ${workerId}: ${idle}\n`);
        await sendWorkerReport({
          type: 'batchactions:worker-report',
          result: {
            workerId,
            batches: 0,
            processed: 0,
            failed: 0,
            jobComplete: false,
            leasesLost: 0,
            stoppedBy: isTerminalJobStatus(job.status)
              ? 'job-terminal'
              : job.status === JobStatus.PAUSED
                ? 'paused'
                : 'no-batches',
            jobStatus: job.status,
          },
          peakRssBytes: peakRssBytes(),
        });
        return;
      }
      const mismatch = schemaMismatch(job.config.schema, schema);
      if (mismatch !== undefined) {
        throw new CliUsageError(
          `--schema ${options.schema} does not match job ${jobId}: ${mismatch}`,
        );
      }
      // The settings kept with the job at prepare time apply to every worker.
      const { continueOnError, maxRetries, retryDelayMs } = job.config;
      const importer = new DistributedImport({
        schema,
        stateStore: store,
        batchSize: job.config.batchSize,
        recordConcurrency: options.recordConcurrency,
        coerceValues: options.coerceValues === true,
        jobWideUniqueFields: options.jobWideUniqueFields === true,
        openTelemetry: cliOpenTelemetry(),
        ...(continueOnError === undefined ? {} : { continueOnError }),
        ...(maxRetries === undefined ? {} : { maxRetries }),
        ...(retryDelayMs === undefined ? {} : { retryDelayMs }),
        ...(options.staleTimeoutMs === undefined
          ? {}
          : { staleBatchTimeoutMs: options.staleTimeoutMs }),
        ...(options.leaseTimeoutMs === undefined ? {} : { leaseTimeoutMs: options.leaseTimeoutMs }),
        ...(options.recordTimeoutMs === undefined
          ? {}
          : { recordTimeoutMs: options.recordTimeoutMs }),
      });
      if (job.status === JobStatus.PAUSED) {
        process.stderr.write(
          `worker ${workerId}: job ${jobId} is PAUSED: waiting for \`resume ${jobId}\` (--stop-when-paused or --no-wait to exit instead)\n`,
        );
      }
      const signals = shutdownSignals(workerId);
      const started = performance.now();
      let firstBatchAt: number | undefined;
      let result: RunWorkerResult;
      try {
        result = await runWorker(importer, jobId, processor, {
          workerId,
          concurrency: options.concurrency,
          stopSignal: signals.stop,
          abortSignal: signals.abort,
          waitForOthers: options.wait,
          stopWhenPaused: options.stopWhenPaused === true,
          onBatch: (batch) => {
            if (batch.released !== true) firstBatchAt ??= Date.now();
            if (options.quiet !== true) process.stdout.write(batchLine(workerId, batch));
          },
        });
      } finally {
        signals.dispose();
      }
      process.stdout.write(summaryLine(result, performance.now() - started));
      await sendWorkerReport({
        type: 'batchactions:worker-report',
        result,
        peakRssBytes: peakRssBytes(),
        ...(firstBatchAt === undefined ? {} : { firstBatchAt }),
      });
    },
    WORKER_STORE_TUNING,
  );
}

/** Adds the `work` command to the program. */
export function addWorkCommand(program: Command): void {
  program
    .command('work')
    .description(
      'Claim and process batches of a prepared job until it ends, waiting for batches other workers hold and through pauses (SIGTERM/SIGINT: finish the batches in flight, then exit).',
    )
    .argument('<jobId>', 'job id printed by prepare', nonEmpty)
    .requiredOption(
      '--processor <module>',
      'ES module whose default export (or "processor") handles one record (required)',
      readableFile,
    )
    .addOption(storeOption({ required: true }))
    .requiredOption(
      '--schema <file>',
      'the schema file given to prepare; validation runs in workers (required)',
      readableFile,
    )
    .option(
      '--worker-id <id>',
      'worker id used in claims and events (default: <host name>-<pid>-<8 random hex digits>)',
      nonEmpty,
    )
    .option('--concurrency <n>', 'batches processed at the same time', integerAtLeast(1), 1)
    .option(
      '--record-concurrency <n>',
      'records of one batch processed at the same time',
      integerAtLeast(1),
      1,
    )
    .option(
      '--stale-timeout-ms <ms>',
      'reclaim batches claimed (or heartbeated) longer ago than this; with heartbeats the smaller of this and --lease-timeout-ms applies (default: 900000)',
      integerAtLeast(0),
    )
    .option(
      '--lease-timeout-ms <ms>',
      "reclaim a batch whose worker's heartbeats stopped this long ago (default: three heartbeats, 15000)",
      integerAtLeast(2),
    )
    .option(
      '--record-timeout-ms <ms>',
      'time limit of one processor call: the record fails with a timeout error and its signal aborts (default: none)',
      integerAtLeast(1),
    )
    .option(
      '--no-wait',
      'exit as soon as nothing is claimable, instead of waiting for batches other workers hold (and for resume)',
    )
    .option('--stop-when-paused', 'exit when the job is paused, instead of waiting for resume')
    .option(
      '--coerce-values',
      'hand the processor typed values (numbers, booleans, dates) instead of the values as parsed',
    )
    .option(
      '--job-wide-unique-fields',
      "enforce the schema's uniqueFields across the whole job (ignored without it, as published)",
    )
    .option('--quiet', 'print only the final summary line, not a line per batch')
    .option(
      '--no-limit-young-generation',
      "let V8 grow its young generation to two 16 MB semi-spaces as it does by default, instead of keeping it at 2 MB (ignored when node's own --max-semi-space-size, --min-semi-space-size or --semi-space-growth-factor is given)",
    )
    .action((jobId: string, options: WorkCommandOptions, command: Command) =>
      runAction(command, () => workOnJob(jobId, options), jobId),
    );
}
