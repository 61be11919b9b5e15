import { randomUUID } from 'node:crypto';
import { InvalidOptionError } from '../errors/invalid-option-error';
import { SourceNotConfiguredError } from '../errors/engine-errors';
import { EventBus } from '../events/event-bus';
import { BatchStatus, type Batch } from '../model/batch';
import { JobStatus, type JobProgress, type JobState, type JobSummary } from '../model/job';
import { assertTransition } from '../model/job-transitions';
import { donePercentage } from '../model/percentage';
import { isEmptyRow, type ProcessedRecord, type RawRecord } from '../model/record';
import type { DataSource } from '../ports/data-source';
import type { JobHooks } from '../ports/processing';
import type { StateStore } from '../ports/state-store';
import type { ValidateFn } from './batch-engine-config';
import type { RecordStream } from './record-stream';

/** A parser as `BatchEngine.from()` takes it; `parseStream`, when present, is preferred. */
export interface RecordParser {
  parse(data: string | Buffer): AsyncIterable<RawRecord> | Iterable<RawRecord>;
  /** Parses the whole chunk stream of a source (records may span chunks). */
  parseStream?(chunks: AsyncIterable<string | Buffer>): AsyncIterable<RawRecord>;
}

/** A gate that holds the record loop while the job is paused. */
export interface PauseGate {
  resolve: () => void;
  promise: Promise<void>;
}

/**
 * The state of one `BatchEngine` job, exported (as published) so extension packages can build
 * their own pipelines on it. `BatchEngine` keeps one privately.
 */
export class JobContext {
  readonly eventBus = new EventBus();
  source: DataSource | null = null;
  parser: RecordParser | null = null;
  recordIterator: Iterable<RawRecord> | AsyncIterable<RawRecord> | null = null;
  jobId: string = randomUUID();
  status: JobStatus = JobStatus.CREATED;
  batches: Batch[] = [];
  /** batchId → position in `batches`. */
  batchIndexById = new Map<string, number>();
  totalRecords = 0;
  processedCount = 0;
  failedCount = 0;
  startedAt?: number;
  /** Epoch ms when the job reached COMPLETED, ABORTED or FAILED (the published engine never set it). */
  completedAt?: number;
  completedBatchIndices = new Set<number>();
  abortController: AbortController | null = null;
  pausePromise: PauseGate | null = null;
  chunkLimits: { readonly maxRecords?: number; readonly maxDurationMs?: number } | null = null;
  chunkStartTime: number | null = null;
  chunkRecordCount = 0;
  chunkExhausted = false;
  /** The input being streamed, kept between `processChunk()` calls until the input is set again. */
  stream: RecordStream | null = null;
  /** batchId → position of the next record the pipeline takes, for batches in progress. */
  batchPositions = new Map<string, number>();
  /** True while `start()` / `processChunk()` runs. */
  running = false;

  constructor(
    readonly batchSize: number,
    readonly continueOnError: boolean,
    readonly maxConcurrentBatches: number,
    readonly stateStore: StateStore,
    readonly maxRetries: number,
    readonly retryDelayMs: number,
    hooks?: JobHooks | null,
    validate?: ValidateFn | null,
    skipEmptyRows?: boolean,
  ) {
    this.hooks = hooks ?? null;
    this.validate = validate ?? null;
    this.skipEmptyRows = skipEmptyRows ?? false;
  }

  readonly hooks: JobHooks | null;
  readonly validate: ValidateFn | null;
  readonly skipEmptyRows: boolean;

  /** Moves to `newStatus`; throws `Invalid state transition: A → B` when not allowed. */
  transitionTo(newStatus: JobStatus): void {
    assertTransition(this.status, newStatus);
    this.status = newStatus;
    if (
      newStatus === JobStatus.COMPLETED ||
      newStatus === JobStatus.ABORTED ||
      newStatus === JobStatus.FAILED
    ) {
      this.completedAt = Date.now();
    }
  }

  /** Record-level progress: failed records count as done; the percentage is an integer. */
  buildProgress(): JobProgress {
    const total = this.totalRecords;
    const done = this.processedCount + this.failedCount;
    const pending = Math.max(0, total - done);
    const elapsedMs = this.elapsedMs();
    let currentBatch = 0;
    for (const batch of this.batches) if (batch.status === BatchStatus.COMPLETED) currentBatch++;
    return {
      totalRecords: total,
      processedRecords: this.processedCount,
      failedRecords: this.failedCount,
      pendingRecords: pending,
      percentage: donePercentage(done, total),
      currentBatch,
      totalBatches: this.batches.length,
      elapsedMs,
      ...(done > 0 && elapsedMs > 0 && pending > 0
        ? { estimatedRemainingMs: Math.round((elapsedMs / done) * pending) }
        : {}),
    };
  }

  /** Totals for `job:completed`: rows skipped as empty appear in `skipped`. */
  buildSummary(): JobSummary {
    const total = this.totalRecords;
    return {
      total,
      processed: this.processedCount,
      failed: this.failedCount,
      skipped: Math.max(0, total - this.processedCount - this.failedCount),
      elapsedMs: this.elapsedMs(),
    };
  }

  /** The job as saved to the store (a copy of the batch list, not the live array). */
  snapshot(): JobState {
    return {
      id: this.jobId,
      config: {
        batchSize: this.batchSize,
        maxConcurrentBatches: this.maxConcurrentBatches,
        continueOnError: this.continueOnError,
        maxRetries: this.maxRetries,
        retryDelayMs: this.retryDelayMs,
        skipEmptyRows: this.skipEmptyRows,
      },
      status: this.status,
      batches: [...this.batches],
      totalRecords: this.totalRecords,
      ...(this.startedAt === undefined ? {} : { startedAt: this.startedAt }),
      ...(this.completedAt === undefined ? {} : { completedAt: this.completedAt }),
    };
  }

  saveState(): Promise<void> {
    return this.stateStore.saveJobState(this.snapshot());
  }

  /** Resolves at once unless paused; then when resumed or aborted. */
  checkPause(): Promise<void> {
    return this.pausePromise ? this.pausePromise.promise : Promise.resolve();
  }

  createPausePromise(): PauseGate {
    let resolve: () => void = () => undefined;
    const promise = new Promise<void>((r) => {
      resolve = r;
    });
    this.pausePromise = { resolve, promise };
    return this.pausePromise;
  }

  /** Opens the pause gate, if any. */
  releasePause(): void {
    const gate = this.pausePromise;
    this.pausePromise = null;
    gate?.resolve();
  }

  assertSourceConfigured(): void {
    if (!this.recordIterator && !(this.source && this.parser)) throw new SourceNotConfiguredError();
  }

  isEmptyRow(record: RawRecord): boolean {
    return isEmptyRow(record);
  }

  /** True when a `processChunk()` limit is reached (never without limits). */
  isChunkExhausted(): boolean {
    const limits = this.chunkLimits;
    if (!limits) return false;
    if (limits.maxRecords !== undefined && this.chunkRecordCount >= limits.maxRecords) return true;
    return (
      limits.maxDurationMs !== undefined &&
      this.chunkStartTime !== null &&
      Date.now() - this.chunkStartTime >= limits.maxDurationMs
    );
  }

  /** Sets a batch's status (and counts); unknown ids are ignored. */
  updateBatchStatus(
    batchId: string,
    status: BatchStatus,
    processedCount?: number,
    failedCount?: number,
  ): void {
    const position = this.batchIndexById.get(batchId);
    if (position === undefined) return;
    const batch = this.batches[position];
    if (!batch) return;
    this.batches[position] = {
      ...batch,
      status,
      ...(processedCount === undefined ? {} : { processedCount }),
      ...(failedCount === undefined ? {} : { failedCount }),
    };
  }

  /** Replaces a batch's records (e.g. with `[]` once it is done). */
  setBatchRecords(batchId: string, records: readonly ProcessedRecord[]): void {
    const position = this.batchIndexById.get(batchId);
    const batch = position === undefined ? undefined : this.batches[position];
    if (position !== undefined && batch) this.batches[position] = { ...batch, records };
  }

  /** Appends a batch to the list. */
  addBatch(batch: Batch): void {
    if (this.batchIndexById.has(batch.id)) {
      throw new InvalidOptionError('batch.id', batch.id, 'an id not used by another batch');
    }
    this.batchIndexById.set(batch.id, this.batches.length);
    this.batches.push(batch);
  }

  /** Forgets every batch (fresh run). */
  resetBatches(): void {
    this.batches = [];
    this.batchIndexById = new Map();
  }

  private elapsedMs(): number {
    if (this.startedAt === undefined) return 0;
    return Math.max(0, (this.completedAt ?? Date.now()) - this.startedAt);
  }
}
