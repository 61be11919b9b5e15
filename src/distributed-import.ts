import { optionalSignal, optionsObject } from './option-checks';
import { randomUUID } from 'node:crypto';
import {
  BufferSource,
  EventBus,
  supportsFencedWrites,
  InvalidOptionError,
  JobCancelledError,
  JobNotFoundError,
  type AnyEventHandler,
  type DataSource,
  type DistributedStateStore,
  type EventHandler,
  type EventType,
  type BulkProcessor,
  type RecordProcessorFn,
  type JobLimitsChange,
} from '@batchactions/core';
import type { SchemaValidator, SourceParser } from '@batchactions/import';
import {
  failedRecordReports,
  recordsParser,
  renderFailedRecords,
  type FailedRecordReport,
  type FailedRecordsExportOptions,
  type FailedRecordsFormat,
} from './failed-records';
import { resolveConfig, type DistributedImportConfig, type DistributedSettings } from './config';
import {
  prepareJob,
  type PrepareOutcome,
  type PrepareRequest,
  type PrepareResult,
} from './prepare/prepare-job';
import {
  checkPrepareOptions,
  checkResumeOptions,
  type PrepareOptions,
  type ResumePrepareOptions,
} from './prepare/prepare-options';
import {
  processBatch,
  type BatchAttempt,
  type DistributedBatchResult,
  type ProcessWorkerBatchOptions,
} from './process/process-batch';
import { reclaimAfterMs, StaleReclaimer } from './process/stale-reclaimer';
import { StreamingJobs } from './process/streaming-jobs';
import { createValidator } from './process/create-validator';
import { cancelJob, pauseJob, purgeJob, resumeJob } from './control/job-control';
import { setJobLimits } from './control/job-limits';
import { readJobStatus, type JobStatusReport } from './control/job-status';
import { LocalWork } from './control/local-work';
import { guardBackgroundHandler } from './process/background-errors';
import { ImportTelemetry } from './telemetry/import-telemetry';
import { reportedSourceSize } from './prepare/source-size';
import { steerYoungGeneration } from './worker/young-generation';

function warnBackgroundError(error: unknown): void {
  console.warn('[batchactions] background work of a worker failed; it will be retried:', error);
}

/**
 * Imports a source with many workers. `prepare` runs once (an orchestrator); `processWorkerBatch`
 * runs in any number of workers, on any machines that share the state store.
 */
export class DistributedImport {
  private readonly store: DistributedStateStore;
  private readonly batchConfig: DistributedSettings;
  private readonly validator: SchemaValidator;
  private readonly events: EventBus;
  private readonly totals = new Map<string, number>();
  /** Running totals of jobs opened early, with when they were read (re-read after a second). */
  private readonly runningTotals = new Map<string, { total: number; readAt: number }>();
  private readonly reclaimer: StaleReclaimer;
  private readonly streaming: StreamingJobs;
  /** `onBackgroundError` (or the default warning), guarded: a throwing callback only warns. */
  private readonly backgroundErrors: (error: unknown) => void;
  private readonly local = new LocalWork();
  /** Spans and metrics (issue 29); a no-op without `@opentelemetry/api`. */
  private readonly telemetry: ImportTelemetry;

  constructor(private readonly config: DistributedImportConfig) {
    const resolved = resolveConfig(config);
    this.store = resolved.store;
    this.batchConfig = resolved.batch;
    this.validator = createValidator(config.schema, this.batchConfig.coerceValues);
    this.streaming = new StreamingJobs(this.store, this.batchConfig.prepareTimeoutMs);
    this.backgroundErrors = guardBackgroundHandler(config.onBackgroundError ?? warnBackgroundError);
    this.events = new EventBus(
      config.onHandlerError ? { onHandlerError: config.onHandlerError } : {},
    );
    this.telemetry = new ImportTelemetry(
      resolved.telemetry,
      this.store,
      this.events,
      this.backgroundErrors,
    );
    this.reclaimer = new StaleReclaimer(this.store, this.batchConfig, (jobId, swept) => {
      this.telemetry.swept(jobId, swept.reclaimed, swept.quarantined);
    });
  }

  /** The processing settings in force, defaults filled in. */
  get settings(): DistributedSettings {
    return this.batchConfig;
  }

  /** True when the store has fenced writes: workers heartbeat, and a dead worker's lease expires. */
  get renewsClaims(): boolean {
    return supportsFencedWrites(this.store);
  }

  /**
   * How long a claim lasts without renewal before a worker reclaims its batch:
   * `min(leaseTimeoutMs, staleBatchTimeoutMs)` on stores with fenced writes (their workers
   * heartbeat), `staleBatchTimeoutMs` on stores with only the published port.
   */
  get claimTimeoutMs(): number {
    return reclaimAfterMs(this.batchConfig, this.renewsClaims);
  }

  /**
   * Phase 1: streams `source` through `parser` once, stores the records in batches, and opens the
   * job to workers. Returns the job id to hand to workers.
   *
   * `options` (an addition) opens the job to workers before the prepare ends (`openEarly`), and
   * lets it stop cleanly between two batches on a signal or before a deadline, for
   * `resumePrepare` to go on later; the result then says `stoppedBy`. See {@link PrepareOptions}.
   *
   * On a store that resumes prepares (every store in this repository), an interruption — a
   * store error, a source error (timeout, network reset) — leaves the job resumable and rejects
   * with `PrepareResumableError` (its `cause` is the error); input that cannot be parsed
   * (`ParseError`) or an `onOpen` that throws fails the job (FAILED) and rejects with that
   * error. On other stores every failure rejects with the error itself, as published.
   */
  prepare(source: DataSource, parser: SourceParser): Promise<PrepareResult>;
  prepare(
    source: DataSource,
    parser: SourceParser,
    options: PrepareOptions,
  ): Promise<PrepareOutcome>;
  async prepare(
    source: DataSource,
    parser: SourceParser,
    options?: PrepareOptions,
  ): Promise<PrepareOutcome> {
    const checked = checkPrepareOptions(options);
    return this.runPrepare(source, parser, {
      jobId: checked.jobId ?? randomUUID(),
      run: randomUUID(),
      options: checked,
    });
  }

  /**
   * Goes on with the prepare of `jobId` after it stopped (deadline, stop signal) or its process
   * died: takes the prepare over (see `takeOverAfterMs`), reads `source` from where its last
   * stored batch ends (a byte offset, when the source can seek — a file, an HTTP server that
   * honours `Range` — and the parser resumes; otherwise from the start, skipping every stored
   * batch), and stores the rest, each record exactly once. Pass the very source and parser the
   * prepare started with. A job whose prepare finished resolves its totals at once.
   *
   * Rejects with `PrepareStillRunningError` when the prepare looks alive,
   * `PrepareNotResumableError` when the job ended (cancelled, failed, completed),
   * `SourceMismatchError` when the source does not match what is stored (the job is left as it
   * was, for a resume with the right source), `JobNotFoundError` for an unknown job,
   * `PrepareResumableError` when a store or source error interrupted it again (the job is left
   * resumable), `PrepareOwnershipLostError` when another run took the prepare over meanwhile
   * (this run stored nothing more and left the job alone). Needs a store that resumes prepares
   * (every store in this repository).
   */
  async resumePrepare(
    jobId: string,
    source: DataSource,
    parser: SourceParser,
    options?: ResumePrepareOptions,
  ): Promise<PrepareOutcome> {
    if (typeof jobId !== 'string' || jobId === '') {
      throw new InvalidOptionError('jobId', jobId, 'a job id (non-empty string)');
    }
    const checked = checkResumeOptions(options, this.batchConfig);
    return this.runPrepare(source, parser, {
      jobId,
      run: randomUUID(),
      options: checked,
      takeOverAfterMs: checked.takeOverAfterMs,
    });
  }

  private async runPrepare(
    source: DataSource,
    parser: SourceParser,
    request: PrepareRequest,
  ): Promise<PrepareOutcome> {
    const tracked = this.local.track(request.jobId);
    try {
      return await this.telemetry.prepare(
        request.jobId,
        request.takeOverAfterMs !== undefined,
        reportedSourceSize(source),
        (trace) => this.prepareTraced(source, parser, request, tracked.signal, trace.jobCreated),
      );
    } finally {
      tracked.done();
    }
  }

  private prepareTraced(
    source: DataSource,
    parser: SourceParser,
    request: PrepareRequest,
    signal: AbortSignal,
    jobCreated: () => Promise<void>,
  ): Promise<PrepareOutcome> {
    return prepareJob(
      {
        store: this.store,
        validator: this.validator,
        schema: this.config.schema,
        batchSize: this.batchConfig.batchSize,
        events: this.events,
        failureThreshold: this.batchConfig.failureThreshold,
        completion: {
          takeOverAfterMs: this.batchConfig.completionTakeOverAfterMs,
          onBackgroundError: this.backgroundErrors,
        },
        liveness: {
          heartbeatIntervalMs: this.batchConfig.prepareHeartbeatIntervalMs,
          signal,
          onBackgroundError: this.backgroundErrors,
        },
        jobCreated,
      },
      source,
      parser,
      request,
    );
  }

  /**
   * Phase 2: claims the job's next batch, runs every record through validation, hooks and
   * `processor`, writes the results, and finalises the job when it was the last batch.
   * `processor` is called per record; pass `{ processBatch }` instead to get each batch's valid
   * records in one call (bulk inserts), with per-record outcomes.
   * Call it in a loop until `claimed` is false or `jobComplete` is true. As published, an
   * unknown job id resolves `claimed: false` (use `runWorker`, or `getStatus`, to fail loudly).
   */
  async processWorkerBatch(
    jobId: string,
    processor: RecordProcessorFn | BulkProcessor,
    workerId: string,
    options?: ProcessWorkerBatchOptions,
  ): Promise<DistributedBatchResult> {
    return (await this.attemptBatch(jobId, processor, workerId, options)).result;
  }

  /**
   * `processWorkerBatch` with the reason nothing was claimed (for `runWorker`).
   *
   * @internal
   */
  async attemptBatch(
    jobId: string,
    processor: RecordProcessorFn | BulkProcessor,
    workerId: string,
    options?: ProcessWorkerBatchOptions,
  ): Promise<BatchAttempt> {
    const checked = optionsObject('options', options);
    const signal = optionalSignal('signal', checked.signal);
    // A cancel (or purge) of the job in this process aborts the batch at once.
    const tracked = this.local.track(jobId, signal);
    steerYoungGeneration();
    try {
      return await this.runAttempt(jobId, processor, workerId, {
        ...checked,
        signal: tracked.signal,
      });
    } finally {
      tracked.done();
      steerYoungGeneration();
    }
  }

  private runAttempt(
    jobId: string,
    processor: RecordProcessorFn | BulkProcessor,
    workerId: string,
    options: ProcessWorkerBatchOptions,
  ): Promise<BatchAttempt> {
    return processBatch(
      {
        store: this.store,
        config: this.batchConfig,
        validator: this.validator,
        hooks: this.config.hooks ?? {},
        duplicateChecker: this.config.duplicateChecker,
        events: this.events,
        totalRecordsOf: (id) => this.totalRecordsOf(id),
        reclaimer: this.reclaimer,
        streaming: this.streaming,
        failureThreshold: this.batchConfig.failureThreshold,
        onBackgroundError: this.backgroundErrors,
        telemetry: this.telemetry,
      },
      jobId,
      processor,
      workerId,
      options,
    );
  }

  /**
   * Where a job stands, readable from any process that shares the store: its status, record
   * progress and batch counts. Rejects with `JobNotFoundError` for an unknown job.
   */
  getStatus(jobId: string): Promise<JobStatusReport> {
    return readJobStatus(this.store, jobId, {
      prepareTimeoutMs: this.batchConfig.prepareTimeoutMs,
    });
  }

  /** The job's invalid and failed records in source order, each with its row and its errors. */
  getFailedRecords(jobId: string): Promise<FailedRecordReport[]> {
    return failedRecordReports(this.store, jobId);
  }

  /**
   * The job's invalid and failed records as CSV (`row`, `status`, the source columns, `errors`)
   * or NDJSON text, for people to fix and re-import. CSV cells that a spreadsheet would run as a
   * formula get a leading `'` unless `options.raw` is true.
   */
  async exportFailedRecords(
    jobId: string,
    format: FailedRecordsFormat = 'csv',
    options: FailedRecordsExportOptions = {},
  ): Promise<string> {
    const reports = await failedRecordReports(this.store, jobId);
    return [...renderFailedRecords(reports, format, options)].join('');
  }

  /**
   * Prepares a new job holding just the invalid and failed records of `jobId` (their source
   * rows, unchanged), for another run once the cause is fixed. The new job's workers use this
   * importer's schema, hooks and processor settings.
   */
  redrive(jobId: string): Promise<PrepareResult> {
    return this.telemetry.control('redrive', jobId, async () => {
      const failed = await this.store.getFailedRecords(jobId);
      return this.prepare(
        new BufferSource('', { fileName: `redrive-of-${jobId}` }),
        recordsParser(failed.map((r) => r.raw)),
      );
    });
  }

  /**
   * Pauses the job from any process: no batch is handed out until `resume`; batches in flight
   * finish. A job still being prepared can be paused too: its records keep being stored, and it
   * stays PAUSED when the prepare ends. Returns false when the job was neither PROCESSING nor
   * being prepared. Needs a store with `updateJobStatus` (every store in this repository), else
   * throws `UnsupportedByStoreError`.
   */
  pause(jobId: string): Promise<boolean> {
    return this.telemetry.control('pause', jobId, () => pauseJob(this.store, jobId));
  }

  /**
   * Changes the job-wide limits of a job while it runs, from any process (issue 27): `rateLimit`
   * and `maxConcurrentBatches` as `prepare` takes them; a field left out keeps its limit, `null`
   * removes it. Workers see a new rate at their next lease (within a tenth of the window) and a
   * new cap at their next claim; a job that had no rate limit is rate limited from each worker's
   * next batch. Returns false for an unknown job. Needs a store with job-wide limits (every store
   * in this repository), else `UnsupportedByStoreError`; a bad value throws `InvalidOptionError`
   * naming it.
   */
  setLimits(jobId: string, limits: JobLimitsChange): Promise<boolean> {
    return this.telemetry.control('set_limits', jobId, () =>
      setJobLimits(this.store, jobId, limits),
    );
  }

  /**
   * Resumes a paused job. A job paused while it was being prepared goes back to being prepared
   * and opens to workers when the prepare ends. Returns false when the job was not PAUSED.
   */
  resume(jobId: string): Promise<boolean> {
    return this.telemetry.control('resume', jobId, () => resumeJob(this.store, jobId));
  }

  /**
   * Cancels the job (status ABORTED) from any process, at any point of its life: no batch is
   * handed out any more, and batches in flight are released unwritten (the store puts them back
   * to PENDING in the same step, so their results are refused). Their processors' `signal`
   * aborts at once in this process, within `cancelCheckIntervalMs` (or the next heartbeat) in
   * others. A job still being prepared is never opened: its `prepare` stops at its next batch
   * or heartbeat and rejects with `PrepareInterruptedError`. Returns false when the job had
   * already ended.
   */
  async cancel(jobId: string): Promise<boolean> {
    const cancelled = await this.telemetry.control('cancel', jobId, () =>
      cancelJob(this.store, jobId),
    );
    if (cancelled) this.local.abort(jobId, new JobCancelledError(jobId));
    return cancelled;
  }

  /**
   * Deletes a job with its batches and records (retention), at any point of its life: a
   * `prepare` still storing it stops (`PrepareInterruptedError`) and leaves nothing behind.
   * Returns false when it did not exist.
   */
  async purge(jobId: string): Promise<boolean> {
    this.totals.delete(jobId);
    this.runningTotals.delete(jobId);
    this.streaming.forget(jobId);
    const purged = await this.telemetry.control('purge', jobId, () => purgeJob(this.store, jobId));
    this.local.abort(jobId, new JobNotFoundError(jobId));
    return purged;
  }

  /** Subscribes to one event type. Chainable. */
  on<T extends EventType>(type: T, handler: EventHandler<T>): this {
    this.events.on(type, handler);
    return this;
  }

  /** Unsubscribes a handler of one event type (an addition: the published facade has no `off`). Chainable. */
  off<T extends EventType>(type: T, handler: EventHandler<T>): this {
    this.events.off(type, handler);
    return this;
  }

  /** Subscribes to every event. Chainable. */
  onAny(handler: AnyEventHandler): this {
    this.events.onAny(handler);
    return this;
  }

  /** Unsubscribes a wildcard handler. Chainable. */
  offAny(handler: AnyEventHandler): this {
    this.events.offAny(handler);
    return this;
  }

  /**
   * The job's totalRecords, read once per job (0 for an unknown job; our stores only). While a
   * prepare that opened the job early still stores batches, the total grows: it is read again
   * when the last reading is older than {@link RUNNING_TOTAL_TTL_MS}, until the prepare ended.
   */
  private async totalRecordsOf(jobId: string): Promise<number> {
    const cached = this.totals.get(jobId);
    if (cached !== undefined) return cached;
    if (this.store.getJobDetails) {
      const running = this.runningTotals.get(jobId);
      if (running !== undefined && Date.now() - running.readAt < RUNNING_TOTAL_TTL_MS) {
        return running.total;
      }
      const details = await this.store.getJobDetails(jobId);
      if (!details) return 0;
      if (details.openEarly === true) {
        this.runningTotals.set(jobId, { total: details.totalRecords, readAt: Date.now() });
      } else {
        this.runningTotals.delete(jobId);
        this.totals.set(jobId, details.totalRecords);
      }
      return details.totalRecords;
    }
    const job = await this.store.getJobState(jobId);
    if (!job) return 0;
    this.totals.set(jobId, job.totalRecords);
    return job.totalRecords;
  }
}

/**
 * How long a worker reuses the running total of a job opened early before reading it again: the
 * total hooks and processors see lags the stored count by at most this much, and a worker reads
 * the job row at most once a second instead of once per batch.
 */
const RUNNING_TOTAL_TTL_MS = 1000;
