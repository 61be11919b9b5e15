import { randomUUID } from 'node:crypto';
import {
  EventBus,
  JobNotFoundError,
  SourceChangedError,
  JobStatus,
  UnsupportedByStoreError,
  hasLimits,
  supportsJobLimits,
  createPendingRecord,
  knownSourceName,
  type Batch,
  type DataSource,
  type DistributedStateStore,
  type JobConfig,
  type PreparedBatch,
  type ProcessedRecord,
  type SourceVersion,
} from '@batchactions/core';
import type {
  DamagedRowsReport,
  SchemaDefinition,
  SchemaValidator,
  SourceParser,
} from '@batchactions/import';
import { emitJobCompleted, finalizeJob, type CompletionSettings } from '../process/finalize-job';
import { enforceFailureThreshold, type FailureThreshold } from '../control/failure-threshold';
import {
  currentStatus,
  publishedWriter,
  registeringWriter,
  type BatchWriter,
  type NewJob,
} from './batch-writers';
import { reportedSourceSize } from './source-size';
import { keepsPrepareLiveness, resumesPrepare, type ResumingStore } from './prepare-heartbeat';
import {
  PrepareNotResumableError,
  PrepareStillRunningError,
  SourceMismatchError,
  withJobId,
} from './prepare-errors';
import type { CheckedPrepareOptions } from './prepare-options';
import { announceOpen, failureHandling, OnOpenRefusal } from './prepare-failure';
import { preparingWriter, type PrepareLiveness } from './preparing-writer';
import { canReadFrom, readTrackedRecords } from './read-records';
import { completesEmptyJob, existingJobOutcome, JobAlreadyExists } from './job-identity';
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
  /**
   * Present only when the `jobId` option named a job the store held already: nothing was read
   * or stored, and this is that job's status (the totals are the job's, as stored).
   */
  readonly existingStatus?: JobStatus;
  /**
   * Present only on the result of `resumePrepare`: the records this run stored (not those an
   * earlier run stored, nor the ones it skipped as stored already). `0` when the prepare had
   * finished before the call: nothing was left to prepare. Rates of a resumed run are this
   * count over the run's time, not `totalRecords`.
   */
  readonly storedRecords?: number;
  /** Present only on the result of `resumePrepare`: the batches this run stored. */
  readonly storedBatches?: number;
  /**
   * Present only when some rows of the source look damaged (a CSV with a quote inside an
   * unquoted field, or a quoted field that swallowed following lines that look like rows): how
   * many, and the first 100 with the lines each spans. Their records are stored as read (as
   * published) unless the parser's `malformedRows` is `'invalid'` (stored invalid) or `'fail'`
   * (the prepare fails with `CsvDamagedRowError`). A resumed prepare reports the rows it read.
   * `prepare(source, parser)` without options resolves with it too, though its published
   * type (`PrepareResult`) does not name it.
   */
  readonly damagedRows?: DamagedRowsReport;
}

export interface PrepareDeps {
  readonly store: DistributedStateStore;
  readonly validator: SchemaValidator;
  readonly schema: SchemaDefinition;
  readonly batchSize: number;
  readonly events: EventBus;
  readonly liveness: PrepareLiveness;
  /** The workers' failure threshold: judged once a prepare that opened its job early ends. */
  readonly failureThreshold?: FailureThreshold | undefined;
  /** How the prepare reports a completion it finalises (`completionTakeOverAfterMs`). */
  readonly completion?: CompletionSettings | undefined;
  /**
   * Called once the job row exists and belongs to this run, before any batch can be claimed
   * (OpenTelemetry stores the prepare's trace context with it). Not called on a resume.
   */
  readonly jobCreated?: (() => Promise<void>) | undefined;
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
  const keyed = mode === 'new' && request.options.jobId !== undefined;
  if (resumesPrepare(store)) {
    return preparingWriter(store, job, deps.liveness, {
      run: request.run,
      mode,
      openEarly,
      keyed,
    });
  }
  const option = needsResumingStore(request.options);
  if (option !== undefined) {
    throw new UnsupportedByStoreError(option, option === 'openEarly' ? 'openEarly' : 'stopPrepare');
  }
  if (keepsPrepareLiveness(store)) {
    return preparingWriter(store, job, deps.liveness, { mode, openEarly: false, keyed });
  }
  if (store.registerBatch) {
    return registeringWriter(store as Parameters<typeof registeringWriter>[0], job, keyed);
  }
  return publishedWriter(store, job, keyed);
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
  const { limits } = request.options;
  // Refused before anything is read or stored: a limit that cannot be enforced is no limit.
  if (hasLimits(limits) && !supportsJobLimits(deps.store)) {
    throw new UnsupportedByStoreError(
      limits.rateLimit === undefined ? 'maxConcurrentBatches' : 'rateLimit',
      'setJobLimits',
    );
  }
  const resuming = request.takeOverAfterMs !== undefined;
  let plan: RunPlan;
  if (resuming) {
    const seekable = canReadFrom(source, parser);
    const taken = await takeOver(deps.store, jobId, request.run, request, seekable);
    if ('finished' in taken) return { ...taken.finished, storedRecords: 0, storedBatches: 0 };
    plan = taken.plan;
  } else {
    plan = NEW_JOB_PLAN(deps.batchSize);
  }
  const openEarly = request.options.openEarly || plan.openedEarly;
  const sourceName = request.options.sourceName ?? knownSourceName(source);
  const job: NewJob = {
    id: jobId,
    config: jobConfig(deps),
    distributed: true,
    ...(sourceName === undefined || resuming ? {} : { sourceName }),
  };
  const writer = writerFor(deps, job, request, openEarly);
  const { start } = plan;
  const batches: Batch[] = [];
  let batchIndex = start.batchIndex;
  let recordIndex = start.recordIndex;
  let stoppedBy: StopReason | undefined;
  // What this run stored (a resume skips the batches stored before it).
  const storedByRun = { records: 0, batches: 0 };
  const runCounts = (): Pick<PrepareOutcome, 'storedRecords' | 'storedBatches'> =>
    resuming ? { storedRecords: storedByRun.records, storedBatches: storedByRun.batches } : {};
  let damagedOf: (() => DamagedRowsReport | undefined) | undefined;
  const withDamage = <T extends PrepareOutcome>(outcome: T): T => {
    const damaged = damagedOf?.();
    return damaged === undefined ? outcome : { ...outcome, damagedRows: damaged };
  };
  try {
    await writer.begin();
    if (!resuming) await deps.jobCreated?.();
    // The job is ours now; its limits are in force before its first batch is stored.
    if (hasLimits(limits) && supportsJobLimits(deps.store)) {
      await deps.store.setJobLimits(jobId, limits);
    }
    // Before the first batch is stored: if onOpen throws, nothing was claimable.
    if (openEarly) announceOpen(request.options.onOpen, jobId);
    if (start.cursor?.sourceSize !== undefined) {
      const size = reportedSourceSize(source);
      if (size !== undefined && size !== start.cursor.sourceSize) {
        throw new SourceMismatchError(
          jobId,
          `the source was ${start.cursor.sourceSize} bytes, it is ${size} bytes now`,
        );
      }
    }
    const { records, cursor, damagedRows, take, close } = readTrackedRecords(
      source,
      parser,
      start.cursor?.cursor,
      start.cursor?.sourceVersion,
    );
    damagedOf = damagedRows;
    const sourceSize = reportedSourceSize(source);
    const unverifiable = warnOnce();
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
      let sourceCursor: string | undefined;
      if (cursor) {
        // Read now: a remote source knows its version once its response arrived.
        const version = source.version?.();
        if (version !== undefined) unverifiable(version);
        sourceCursor = encodeCursor(cursor(), sourceSize, version);
      }
      await writer.write(batch, chunk, sourceCursor);
      storedByRun.records += chunk.length;
      storedByRun.batches += 1;
      return true;
    };
    // Numbering, empty-row skipping and batching in one loop over the parser's records.
    const { validator } = deps;
    const skipEmpty = validator.skipEmptyRows;
    let chunk: ProcessedRecord[] = [];
    /** Stores the batch, which is full; true when the prepare must stop there. */
    const flushFull = async (): Promise<boolean> => {
      const stored = await flush(chunk);
      chunk = [];
      // Between two stored batches (skipping stored ones costs no time worth stopping for).
      stoppedBy = stored && writer.stop ? stopReason(request.options) : undefined;
      return stoppedBy !== undefined;
    };
    if (take !== undefined) {
      // A batch's records read together: no promise per record. The last record taken for a
      // batch is its last one, so the cursor stands after it when the batch is stored.
      try {
        for (;;) {
          const rows = await take(plan.batchSize - chunk.length);
          if (rows.length === 0) break;
          for (const row of rows) {
            if (writer.stopRequested()) throw await writer.interrupted();
            if (skipEmpty && validator.isEmptyRow(row)) continue;
            chunk.push(createPendingRecord(recordIndex, row));
            recordIndex += 1;
          }
          if (chunk.length >= plan.batchSize && (await flushFull())) break;
        }
      } finally {
        // Leaving the loop closes the source.
        await (close as () => Promise<void>)();
      }
    } else {
      for await (const row of records) {
        // Leaving the loop closes the source: a cancelled or purged job stops the stream at once.
        if (writer.stopRequested()) throw await writer.interrupted();
        if (skipEmpty && validator.isEmptyRow(row)) continue;
        chunk.push(createPendingRecord(recordIndex, row));
        recordIndex += 1;
        if (chunk.length >= plan.batchSize && (await flushFull())) break;
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
    if (stoppedBy === undefined) await writer.verify?.(batchIndex);
    // A job kept closed until `open` is announced before it opens: an onOpen that throws then
    // fails the job before any worker could claim a batch of it (as with early open).
    if (stoppedBy === undefined && !openEarly && writer.closedUntilOpen) {
      announceOpen(request.options.onOpen, jobId);
    }
  } catch (error) {
    // A keyed prepare whose job exists: nothing was written, the job is returned as it is.
    if (error instanceof JobAlreadyExists) return existingJobOutcome(deps.store, jobId);
    return endOnError(writer, mismatchOf(error, jobId), jobId, recordIndex);
  }

  if (stoppedBy !== undefined) {
    try {
      await (writer.stop as () => Promise<void>)();
    } catch (error) {
      return endOnError(writer, error, jobId, recordIndex);
    }
    return withDamage({
      jobId,
      totalRecords: recordIndex,
      totalBatches: batchIndex,
      stoppedBy,
      ...runCounts(),
    });
  }
  let status: JobStatus;
  try {
    status = await writer.open(batches, recordIndex);
  } catch (error) {
    if (writer.release && failureHandling(error) === 'release') {
      // The opening may have gone through before its answer was lost.
      return writer.release(error, true).catch((failure: unknown) => {
        throw withJobId(failure, jobId);
      });
    }
    throw withJobId(error, jobId);
  }
  try {
    events(deps, jobId, recordIndex, batchIndex);
    if (!openEarly && !writer.closedUntilOpen) request.options.onOpen?.(jobId);
    // An empty source gives a job with nothing to do: finalised here on stores with prepare
    // liveness (no worker would have a batch to finalise it with).
    if (
      (openEarly && status === JobStatus.PROCESSING) ||
      completesEmptyJob(deps.store, recordIndex, status)
    ) {
      // Every batch may be done already: the workers waited for this end to finalise. The
      // failure threshold's percentage is judged now that the total is final.
      const failedEarly = openEarly
        ? await enforceFailureThreshold(deps.store, jobId, deps.failureThreshold)
        : undefined;
      if (failedEarly !== undefined) {
        await emitJobCompleted(deps.store, deps.events, jobId, recordIndex, failedEarly);
      } else {
        await finalizeJob(
          deps.store,
          deps.events,
          jobId,
          recordIndex,
          `prepare-${request.run}`,
          deps.completion,
        );
      }
    }
  } catch (error) {
    throw withJobId(error, jobId);
  }
  return withDamage({ jobId, totalRecords: recordIndex, totalBatches: batchIndex, ...runCounts() });
}

/** A source that changed under a resume is a `SourceMismatchError` of the job. */
function mismatchOf(error: unknown, jobId: string): unknown {
  if (!(error instanceof SourceChangedError)) return error;
  return new SourceMismatchError(
    jobId,
    `${error.location} changed since the prepare started: ${error.changes.join(', ')}`,
    { cause: error },
  );
}

/**
 * Warns, once per prepare, when the source reports a version without a validator (no ETag, no
 * Last-Modified): a resume of this job could then not tell a regenerated file from the one it
 * started (only a changed size would show).
 */
function warnOnce(): (version: SourceVersion) => void {
  let warned = false;
  return (version) => {
    if (warned || version.etag !== undefined || version.lastModified !== undefined) return;
    warned = true;
    const where = version.location ?? 'the source';
    process.emitWarning(
      `${where} was served without an ETag or Last-Modified header: a resumed prepare of this ` +
        `job cannot tell whether the file changed (${version.size === undefined ? 'nothing is compared' : 'only its size is compared'})`,
      { code: 'BATCHACTIONS_UNVERIFIABLE_SOURCE' },
    );
  };
}

/**
 * Ends a prepare that stopped on `error` before opening its job: see {@link failureHandling}.
 * Stores that cannot resume a prepare keep the earlier outcome: the job FAILED (or, with only
 * the published port, nothing written).
 */
async function endOnError(
  writer: BatchWriter,
  thrown: unknown,
  jobId: string,
  totalRecords: number,
): Promise<never> {
  const error = thrown instanceof OnOpenRefusal ? thrown.error : thrown;
  const handling = failureHandling(thrown);
  try {
    if (handling === 'stop' && writer.stop) {
      // The job is intact: leave it for a resume with the right source.
      await writer.stop();
      throw error;
    }
    if (handling === 'release' && writer.release) {
      return await writer.release(error);
    }
    return await writer.fail(withJobId(error, jobId), totalRecords);
  } catch (failure) {
    throw withJobId(failure, jobId);
  }
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
