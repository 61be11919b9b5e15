import { InvalidJobStatusError } from '../errors/engine-errors';
import type { AnyEventHandler, EventHandler } from '../events/event-bus';
import type { EventType } from '../events/domain-events';
import { BatchStatus, type Batch } from '../model/batch';
import { JobStatus, type JobProgress } from '../model/job';
import type { ProcessedRecord, RawRecord } from '../model/record';
import { errorMessage } from '../pipeline/error-message';
import type { DataSource } from '../ports/data-source';
import type { RecordProcessorFn } from '../ports/processing';
import { InMemoryStateStore } from '../stores/in-memory-state-store';
import { StreamSource } from '../sources/stream-source';
import { EngineTelemetry } from '../telemetry/engine-telemetry';
import {
  checkChunkOptions,
  resolveEngineConfig,
  type BatchEngineConfig,
  type ChunkOptions,
  type ChunkResult,
} from './batch-engine-config';
import { JobContext, type RecordParser } from './job-context';
import { isOneShot, recordsFromSource } from './record-input';
import { beginRun, runJob } from './run-job';

/**
 * Single-process streaming batch execution: records are pulled from a source (or an iterable)
 * as they are needed, grouped into batches, and run through hooks, validation and the processor
 * with retries. Pause, resume, abort, chunked runs (`processChunk`) and `restore()` from a state
 * store. Behaves as the published `@batchactions/core` engine, with its known defects fixed
 * (see the package README's Compatibility section).
 */
export class BatchEngine {
  private readonly job: JobContext;
  /** Spans and metrics (issue 29); absent with `openTelemetry: { enabled: false }`. */
  private readonly telemetry: EngineTelemetry | undefined;

  constructor(config: BatchEngineConfig = {}) {
    const c = resolveEngineConfig(config);
    this.job = new JobContext(
      c.batchSize,
      c.continueOnError,
      c.maxConcurrentBatches,
      c.stateStore ?? new InMemoryStateStore(),
      c.maxRetries,
      c.retryDelayMs,
      c.hooks,
      c.validate,
      c.skipEmptyRows,
    );
    this.telemetry = c.telemetry.enabled
      ? new EngineTelemetry(c.telemetry, this.job.eventBus)
      : undefined;
  }

  /**
   * Loads a job saved in `config.stateStore` (`null` when it is not there). `batchSize` always,
   * and the other saved options when present, come from the saved job; `hooks`, `validate` and
   * the store from `config`. Completed batches are skipped by the next run; the input must be
   * given again with `from()` / `fromRecords()`. A COMPLETED or ABORTED job stays so (the
   * published engine reset every job to CREATED); a FAILED or interrupted job can run again.
   */
  static async restore(jobId: string, config: BatchEngineConfig): Promise<BatchEngine | null> {
    const store = config.stateStore ?? new InMemoryStateStore();
    const state = await store.getJobState(jobId);
    if (!state) return null;
    const saved = state.config;
    const engine = new BatchEngine({
      ...config,
      stateStore: store,
      batchSize: saved.batchSize,
      continueOnError: saved.continueOnError ?? config.continueOnError,
      maxConcurrentBatches: saved.maxConcurrentBatches ?? config.maxConcurrentBatches,
      maxRetries: saved.maxRetries ?? config.maxRetries,
      retryDelayMs: saved.retryDelayMs ?? config.retryDelayMs,
      skipEmptyRows: saved.skipEmptyRows ?? config.skipEmptyRows,
    });
    const job = engine.job;
    job.jobId = state.id;
    job.totalRecords = state.totalRecords;
    if (state.startedAt !== undefined) job.startedAt = state.startedAt;
    // Only completed batches are kept: the published engine also kept stale PROCESSING entries,
    // then processed the same index again under a new id (duplicate indexes, inflated totals).
    for (const batch of state.batches) {
      if (batch.status !== BatchStatus.COMPLETED) continue;
      job.addBatch({ ...batch, records: [] });
      job.processedCount += batch.processedCount;
      job.failedCount += batch.failedCount;
      job.completedBatchIndices.add(batch.index);
    }
    if (state.status === JobStatus.COMPLETED || state.status === JobStatus.ABORTED) {
      job.status = state.status;
      if (state.completedAt !== undefined) job.completedAt = state.completedAt;
    }
    return engine;
  }

  /** Reads records from `source` through `parser` (its `parseStream` when it has one). */
  from(source: DataSource, parser: RecordParser): this {
    this.setInput(() => {
      this.job.source = source;
      this.job.parser = parser;
    });
    return this;
  }

  /** Takes records from an array, an iterable or an async iterable; wins over `from()`. */
  fromRecords(records: Iterable<RawRecord> | AsyncIterable<RawRecord>): this {
    this.setInput(() => {
      this.job.recordIterator = records;
    });
    return this;
  }

  on<T extends EventType>(type: T, handler: EventHandler<T>): this {
    this.job.eventBus.on(type, handler);
    return this;
  }

  /** Removes a handler added with `on()` (not in the published engine). */
  off<T extends EventType>(type: T, handler: EventHandler<T>): this {
    this.job.eventBus.off(type, handler);
    return this;
  }

  onAny(handler: AnyEventHandler): this {
    this.job.eventBus.onAny(handler);
    return this;
  }

  offAny(handler: AnyEventHandler): this {
    this.job.eventBus.offAny(handler);
    return this;
  }

  /**
   * Counts the input's records without processing them. A one-shot input (a generator, a
   * `StreamSource`) is kept in memory while counting, so a later `start()` still sees every
   * record (the published `count()` consumed it).
   */
  async count(): Promise<number> {
    const job = this.job;
    job.assertSourceConfigured();
    const oneShot = job.recordIterator
      ? isOneShot(job.recordIterator)
      : job.source instanceof StreamSource;
    const input =
      job.recordIterator ?? recordsFromSource(job.source as DataSource, job.parser as RecordParser);
    const kept: RawRecord[] = [];
    let count = 0;
    for await (const record of input) {
      count += 1;
      if (oneShot) kept.push(record);
    }
    if (oneShot) {
      job.recordIterator = kept;
      job.stream = null;
    }
    return count;
  }

  /**
   * Processes the whole input. Resolves when the run ends — completed, failed (`job:failed`;
   * the promise still resolves) or aborted. Rejects only for a call in the wrong state or
   * without input.
   */
  start(processor: RecordProcessorFn): Promise<void> {
    let run;
    try {
      this.job.chunkLimits = null;
      run = beginRun(this.job);
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
    return runJob(this.job, run, processor, this.telemetry, false);
  }

  /**
   * Processes batches until a limit is reached (checked after each batch), then pauses the job.
   * Call again (or on a restored engine with the input given again) to continue.
   */
  async processChunk(processor: RecordProcessorFn, options?: ChunkOptions): Promise<ChunkResult> {
    const job = this.job;
    const limits = checkChunkOptions(options);
    const before = { processed: job.processedCount, failed: job.failedCount };
    const run = beginRun(job);
    job.chunkLimits = limits;
    job.chunkStartTime = Date.now();
    job.chunkRecordCount = 0;
    let failure: string | undefined;
    const onFailed = (event: { error: string }): void => {
      failure = event.error;
    };
    job.eventBus.on('job:failed', onFailed);
    try {
      await runJob(job, run, processor, this.telemetry, true);
    } finally {
      job.eventBus.off('job:failed', onFailed);
      job.chunkLimits = null;
    }
    const done = job.status === JobStatus.COMPLETED;
    job.chunkExhausted = done;
    const processedRecords = job.processedCount - before.processed;
    const failedRecords = job.failedCount - before.failed;
    job.eventBus.emit({
      type: 'chunk:completed',
      jobId: job.jobId,
      timestamp: Date.now(),
      processedRecords,
      failedRecords,
      done,
    });
    return {
      done,
      processedRecords,
      failedRecords,
      totalProcessed: job.processedCount,
      totalFailed: job.failedCount,
      jobId: job.jobId,
      status: job.status,
      ...(failure === undefined ? {} : { error: failure }),
    };
  }

  /** Holds the run before its next record; `job:paused`, then the job is saved. */
  async pause(): Promise<void> {
    const job = this.job;
    if (job.status !== JobStatus.PROCESSING) {
      throw new InvalidJobStatusError(`Cannot pause job from status '${job.status}'`, job.status);
    }
    job.transitionTo(JobStatus.PAUSED);
    job.createPausePromise();
    job.eventBus.emit({
      type: 'job:paused',
      jobId: job.jobId,
      timestamp: Date.now(),
      progress: job.buildProgress(),
    });
    await job.saveState();
  }

  /** Lets a paused run continue (no event). */
  resume(): void {
    const job = this.job;
    if (job.status === JobStatus.ABORTED) {
      throw new InvalidJobStatusError('Cannot resume an aborted job', job.status);
    }
    if (job.status !== JobStatus.PAUSED) {
      throw new InvalidJobStatusError(`Cannot resume job from status '${job.status}'`, job.status);
    }
    if (!job.running) {
      // Published: PROCESSING with nothing running, after which processChunk() was refused.
      throw new InvalidJobStatusError(
        "Cannot resume job from status 'PAUSED': it stopped at a chunk limit and nothing is running; call processChunk() to continue",
        job.status,
      );
    }
    job.transitionTo(JobStatus.PROCESSING);
    job.releasePause();
  }

  /** Stops the job for good: the signal handed to processors aborts; `job:aborted`, then a save. */
  async abort(): Promise<void> {
    const job = this.job;
    if (job.status !== JobStatus.PROCESSING && job.status !== JobStatus.PAUSED) {
      throw new InvalidJobStatusError(`Cannot abort job from status '${job.status}'`, job.status);
    }
    job.transitionTo(JobStatus.ABORTED);
    job.abortController?.abort();
    job.releasePause();
    job.eventBus.emit({
      type: 'job:aborted',
      jobId: job.jobId,
      timestamp: Date.now(),
      progress: job.buildProgress(),
    });
    await job.saveState();
  }

  getStatus(): {
    status: JobStatus;
    state: JobStatus;
    progress: JobProgress;
    batches: readonly Batch[];
  } {
    const job = this.job;
    return {
      status: job.status,
      state: job.status,
      progress: job.buildProgress(),
      batches: [...job.batches],
    };
  }

  /** Invalid and failed records, from the state store. */
  getFailedRecords(): Promise<readonly ProcessedRecord[]> {
    return this.job.stateStore.getFailedRecords(this.job.jobId);
  }

  /**
   * Records of the batches in progress that the pipeline has not reached yet (the published
   * engine always returned `[]`; so does this one whenever nothing runs).
   */
  getPendingRecords(): readonly ProcessedRecord[] {
    const pending: ProcessedRecord[] = [];
    for (const batch of this.job.batches) {
      if (batch.status !== BatchStatus.PROCESSING) continue;
      const next = this.job.batchPositions.get(batch.id) ?? 0;
      pending.push(...batch.records.slice(next));
    }
    return pending;
  }

  getJobId(): string {
    return this.job.jobId;
  }

  /** Setting the input again restarts the stream from its beginning (completed batches are skipped). */
  private setInput(set: () => void): void {
    const stream = this.job.stream;
    if (stream && !this.job.running) {
      this.job.stream = null;
      stream.close().catch((error: unknown) => {
        this.reportCloseError(error);
      });
    }
    set();
  }

  private reportCloseError(error: unknown): void {
    console.error(
      `[batchactions] closing the previous input of job ${this.job.jobId} failed: ${errorMessage(error)}`,
    );
  }
}
