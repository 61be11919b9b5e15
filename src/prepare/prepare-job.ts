import { randomUUID } from 'node:crypto';
import {
  EventBus,
  JobNotFoundError,
  JobStatus,
  UnsupportedByStoreError,
  createPendingRecord,
  type Batch,
  type DataSource,
  type DistributedStateStore,
  type JobConfig,
  type PreparedBatch,
  type ProcessedRecord,
} from '@batchactions/core';
import type { SchemaDefinition, SchemaValidator, SourceParser } from '@batchactions/import';
import { finalizeJob } from '../process/finalize-job';
import {
  currentStatus,
  publishedWriter,
  registeringWriter,
  type BatchWriter,
  type NewJob,
} from './batch-writers';
import { keepsPrepareLiveness, resumesPrepare, type ResumingStore } from './prepare-heartbeat';
import {
  PrepareNotResumableError,
  PrepareStillRunningError,
  SourceMismatchError,
  withJobId,
} from './prepare-errors';
import type { CheckedPrepareOptions } from './prepare-options';
import { preparingWriter, type PrepareLiveness } from './preparing-writer';
import { canReadFrom, readTrackedRecords } from './read-records';
import { encodeCursor, FROM_THE_START, resumePlan, type PrepareStart } from './resume-plan';

export { PREPARE_WRITES_IN_FLIGHT } from './batch-writers';
export type { PrepareLiveness } from './preparing-writer';

/** What `prepare` returns. */
export interface PrepareResult {
  /** Unique job identifier (a random UUID). Pass it to workers. */
  readonly jobId: string;
  /** Records found in the source (empty rows excluded when `schema.skipEmptyRows` is set). */
  readonly totalRecords: number;
  /** Number of batches created. */
  readonly totalBatches: number;
}

/** What `prepare` with options and `resumePrepare` return: a `PrepareResult`, and whether it stopped. */
export interface PrepareOutcome extends PrepareResult {
  /**
   * Present only when the prepare stopped before the end of its source, cleanly, on the
   * `stopSignal` or before the deadline of `remainingTimeMs` (options of `prepare` and
   * `resumePrepare`): the job keeps what is stored, and `resumePrepare(jobId, …)` goes on from
   * there. `totalRecords` and `totalBatches` then count what is stored so far.
   */
  readonly stoppedBy?: 'stop-signal' | 'deadline';
}

export interface PrepareDeps {
  readonly store: DistributedStateStore;
  readonly validator: SchemaValidator;
  readonly schema: SchemaDefinition;
  readonly batchSize: number;
  readonly events: EventBus;
  readonly liveness: PrepareLiveness;
}

/** What to prepare: a new job, or the rest of a job whose prepare stopped. */
export interface PrepareRequest {
  readonly jobId: string;
  /**
   * This prepare run's id: on stores that resume prepares it owns the job's prepare, so a run
   * taken over (thought dead) stores nothing more.
   */
  readonly run: string;
  readonly options: CheckedPrepareOptions;
  /** Present for `resumePrepare`: take over a prepare whose heartbeat is older than this. */
  readonly takeOverAfterMs?: number;
}

/** The published job configuration: the caller's schema itself, and always `continueOnError: true`. */
function jobConfig(deps: PrepareDeps): JobConfig {
  return {
    schema: deps.schema,
    batchSize: deps.batchSize,
    continueOnError: true,
  };
}

/** The published batch descriptor: PENDING, no records, both record bounds inclusive. */
function descriptor(id: string, index: number, records: readonly ProcessedRecord[]): Batch {
  return {
    id,
    index,
    status: 'PENDING',
    records: [],
    processedCount: 0,
    failedCount: 0,
    recordStartIndex: (records[0] as ProcessedRecord).index,
    recordEndIndex: (records[records.length - 1] as ProcessedRecord).index,
  };
}

/** True when the options ask for what only stores that resume prepares can do. */
function needsResumingStore(options: CheckedPrepareOptions): string | undefined {
  if (options.openEarly) return 'openEarly';
  if (options.stopSignal !== undefined) return 'stopSignal';
  if (options.remainingTimeMs !== undefined) return 'remainingTimeMs';
  return undefined;
}

function writerFor(
  deps: PrepareDeps,
  job: NewJob,
  request: PrepareRequest,
  openEarly: boolean,
): BatchWriter {
  const { store } = deps;
  const mode = request.takeOverAfterMs === undefined ? 'new' : 'resume';
  if (resumesPrepare(store)) {
    return preparingWriter(store, job, deps.liveness, { run: request.run, mode, openEarly });
  }
  const option = needsResumingStore(request.options);
  if (option !== undefined) {
    throw new UnsupportedByStoreError(option, option === 'openEarly' ? 'openEarly' : 'stopPrepare');
  }
  if (keepsPrepareLiveness(store)) {
    return preparingWriter(store, job, deps.liveness, { mode, openEarly: false });
  }
  if (store.registerBatch) {
    return registeringWriter(store as Parameters<typeof registeringWriter>[0], job);
  }
  return publishedWriter(store, job);
}

/** Where a run starts and what it skips. */
interface RunPlan {
  readonly batchSize: number;
  readonly start: PrepareStart;
  /** Batches stored already (at or after `start`), by index: skipped, their ranges checked. */
  readonly stored: Map<number, PreparedBatch>;
  /** The job was opened early by an earlier run. */
  readonly openedEarly: boolean;
}

const NEW_JOB_PLAN = (batchSize: number): RunPlan => ({
  batchSize,
  start: FROM_THE_START,
  stored: new Map(),
  openedEarly: false,
});

/** Why `prepareJob` left its loop before the end of the source. */
type StopReason = NonNullable<PrepareOutcome['stoppedBy']>;

function stopReason(options: CheckedPrepareOptions): StopReason | undefined {
  if (options.stopSignal?.aborted === true) return 'stop-signal';
  const remaining = options.remainingTimeMs?.();
  if (remaining !== undefined && remaining < options.deadlineMarginMs) return 'deadline';
  return undefined;
}

/**
 * Phase 1: streams the source once, stores its records (pending, unvalidated) batch by batch,
 * then opens the job to workers (saved PROCESSING with every batch listed on a store with only
 * the published port). With `openEarly` the job opens before the first batch and can be
 * finalised only once the prepare ended. With a deadline or a stop signal it may stop between
 * two batches, leaving the job for `resumePrepare`.
 */
export async function prepareJob(
  deps: PrepareDeps,
  source: DataSource,
  parser: SourceParser,
  request: PrepareRequest,
): Promise<PrepareOutcome> {
  const { jobId } = request;
  const resuming = request.takeOverAfterMs !== undefined;
  let plan: RunPlan;
  if (resuming) {
    const seekable = canReadFrom(source, parser);
    const taken = await takeOver(deps.store, jobId, request.run, request, seekable);
    if ('finished' in taken) return taken.finished;
    plan = taken.plan;
  } else {
    plan = NEW_JOB_PLAN(deps.batchSize);
  }
  const openEarly = request.options.openEarly || plan.openedEarly;
  const job: NewJob = { id: jobId, config: jobConfig(deps), distributed: true };
  const writer = writerFor(deps, job, request, openEarly);
  const { start } = plan;
  const batches: Batch[] = [];
  let batchIndex = start.batchIndex;
  let recordIndex = start.recordIndex;
  let stoppedBy: StopReason | undefined;
  try {
    await writer.begin();
    if (openEarly) request.options.onOpen?.(jobId);
    if (start.cursor?.sourceSize !== undefined) {
      const size = source.metadata().fileSize;
      if (size !== undefined && size !== start.cursor.sourceSize) {
        throw new SourceMismatchError(
          jobId,
          `the source was ${start.cursor.sourceSize} bytes, it is ${size} bytes now`,
        );
      }
    }
    const { records, cursor } = readTrackedRecords(source, parser, start.cursor?.cursor);
    const sourceSize = source.metadata().fileSize;
    /** Stores a batch, or checks the one stored already; true when it stored it. */
    const flush = async (chunk: ProcessedRecord[]): Promise<boolean> => {
      const index = batchIndex;
      batchIndex += 1;
      const stored = plan.stored.get(index);
      if (stored !== undefined) {
        checkStoredRange(jobId, stored, chunk);
        plan.stored.delete(index);
        return false;
      }
      const batch = descriptor(randomUUID(), index, chunk);
      batches.push(batch);
      await writer.write(batch, chunk, cursor ? encodeCursor(cursor(), sourceSize) : undefined);
      return true;
    };
    // Numbering, empty-row skipping and batching in one loop over the parser's records.
    const { validator } = deps;
    const skipEmpty = validator.skipEmptyRows;
    let chunk: ProcessedRecord[] = [];
    for await (const row of records) {
      // Leaving the loop closes the source: a cancelled or purged job stops the stream at once.
      if (writer.stopRequested()) throw await writer.interrupted();
      if (skipEmpty && validator.isEmptyRow(row)) continue;
      chunk.push(createPendingRecord(recordIndex, row));
      recordIndex += 1;
      if (chunk.length >= plan.batchSize) {
        const stored = await flush(chunk);
        chunk = [];
        // Between two stored batches (skipping stored ones costs no time worth stopping for).
        stoppedBy = stored && writer.stop ? stopReason(request.options) : undefined;
        if (stoppedBy !== undefined) break;
      }
    }
    if (stoppedBy === undefined) {
      if (chunk.length > 0) await flush(chunk);
      const beyond = [...plan.stored.keys()].filter((index) => index >= batchIndex);
      if (beyond.length > 0) {
        throw new SourceMismatchError(
          jobId,
          `the source ended after batch ${batchIndex - 1}, the job holds batch ${Math.min(...beyond)}`,
        );
      }
    }
    await writer.drain();
    if (writer.stopRequested()) throw await writer.interrupted();
  } catch (error) {
    if (error instanceof SourceMismatchError && writer.stop) {
      // The job is intact: leave it for a resume with the right source.
      await writer.stop();
      throw error;
    }
    return writer.fail(withJobId(error, jobId), recordIndex).catch((failure: unknown) => {
      throw withJobId(failure, jobId);
    });
  }

  try {
    if (stoppedBy !== undefined) {
      await (writer.stop as () => Promise<void>)();
      return { jobId, totalRecords: recordIndex, totalBatches: batchIndex, stoppedBy };
    }
    const status = await writer.open(batches, recordIndex);
    events(deps, jobId, recordIndex, batchIndex);
    if (!openEarly) request.options.onOpen?.(jobId);
    if (openEarly && status === JobStatus.PROCESSING) {
      // Every batch may be done already: the workers waited for this end to finalise.
      await finalizeJob(deps.store, deps.events, jobId, recordIndex, `prepare-${request.run}`);
    }
  } catch (error) {
    throw withJobId(error, jobId);
  }
  return { jobId, totalRecords: recordIndex, totalBatches: batchIndex };
}

function events(deps: PrepareDeps, jobId: string, totalRecords: number, totalBatches: number) {
  deps.events.emit({
    type: 'distributed:prepared',
    jobId,
    totalRecords,
    totalBatches,
    timestamp: Date.now(),
  });
}

/** A batch the job holds must hold what the source gives for it now. */
function checkStoredRange(
  jobId: string,
  stored: PreparedBatch,
  chunk: readonly ProcessedRecord[],
): void {
  const first = (chunk[0] as ProcessedRecord).index;
  const last = (chunk[chunk.length - 1] as ProcessedRecord).index;
  if (stored.recordStartIndex !== first || stored.recordEndIndex !== last) {
    throw new SourceMismatchError(
      jobId,
      `batch ${stored.batchIndex} holds records ${stored.recordStartIndex}..${stored.recordEndIndex}, ` +
        `the source gives ${first}..${last} for it`,
    );
  }
}

/** Takes the job's prepare over for this run; a finished prepare gives its result instead. */
async function takeOver(
  store: DistributedStateStore,
  jobId: string,
  run: string,
  request: PrepareRequest,
  seekable: boolean,
): Promise<{ plan: RunPlan } | { finished: PrepareResult }> {
  if (!resumesPrepare(store)) throw new UnsupportedByStoreError('resumePrepare', 'takeOverPrepare');
  const takeOverAfterMs = request.takeOverAfterMs as number;
  const taken = await store.takeOverPrepare(jobId, run, takeOverAfterMs);
  if (!taken.taken) {
    switch (taken.reason) {
      case 'NOT_FOUND':
        throw new JobNotFoundError(jobId);
      case 'FINISHED':
        return { finished: await finishedResult(store, jobId) };
      case 'RUNNING':
        throw new PrepareStillRunningError(jobId, taken.heartbeatAgeMs ?? 0, takeOverAfterMs);
      case 'NOT_PREPARING': {
        const status = await currentStatus(store, jobId);
        if (status === null) throw new JobNotFoundError(jobId);
        throw new PrepareNotResumableError(jobId, status);
      }
    }
  }
  const [state, details, prepared] = await Promise.all([
    store.getJobState(jobId),
    store.getJobDetails?.(jobId),
    store.listPreparedBatches(jobId),
  ]);
  if (state === null) throw new JobNotFoundError(jobId);
  const plan = resumePlan(jobId, prepared);
  // From a cursor when the source can seek and the parser resume; else from the start, where
  // every stored batch is skipped (and its range checked).
  const start = (seekable ? plan.fromCursor : undefined) ?? FROM_THE_START;
  return {
    plan: {
      batchSize: state.config.batchSize,
      start,
      stored: new Map([...plan.stored].filter(([index]) => index >= start.batchIndex)),
      openedEarly: details?.openEarly === true,
    },
  };
}

/** The totals of a job whose prepare finished (a resume called again after it ended). */
async function finishedResult(store: ResumingStore, jobId: string): Promise<PrepareResult> {
  const prepared = await store.listPreparedBatches(jobId);
  const total = prepared.reduce((n, b) => n + b.recordEndIndex - b.recordStartIndex + 1, 0);
  return { jobId, totalRecords: total, totalBatches: prepared.length };
}
