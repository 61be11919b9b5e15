import { InvalidJobStatusError } from '../errors/engine-errors';
import { JobStatus } from '../model/job';
import { errorMessage } from '../pipeline/error-message';
import type { RecordProcessorFn } from '../ports/processing';
import type { EngineTelemetry } from '../telemetry/engine-telemetry';
import type { JobContext } from './job-context';
import { processBatch, type RunState } from './process-batch';
import { recordsFromSource } from './record-input';
import { RecordStream, type SplitBatch } from './record-stream';

const STARTABLE: readonly JobStatus[] = [JobStatus.CREATED, JobStatus.PREVIEWED, JobStatus.PAUSED];

/** How a run ended. */
interface RunEnd {
  /** The run stopped at a chunk limit with input left. */
  readonly stoppedAtLimit: boolean;
  readonly failure?: unknown;
}

/** The record stream of the job's input, opened on first use and kept until the input changes. */
export function openStream(job: JobContext, run: RunState | null): RecordStream {
  if (job.stream) return job.stream;
  const input =
    job.recordIterator ??
    // assertSourceConfigured() ran before: source and parser are set.
    recordsFromSource(
      job.source as NonNullable<JobContext['source']>,
      job.parser as NonNullable<JobContext['parser']>,
    );
  job.stream = new RecordStream(input, job.batchSize, {
    waitIfPaused: () => job.checkPause(),
    shouldStop: () => (run ? run.signal.aborted || run.stopping : false),
    onRecord: (pulled) => {
      job.totalRecords = Math.max(job.totalRecords, pulled);
    },
  });
  return job.stream;
}

/**
 * Synchronous part of `start()` / `processChunk()` (core 6.4): preconditions, then status
 * PROCESSING, a new abort signal, `startedAt`, and counters reset for a fresh job. Throws the
 * published messages; the caller turns them into a rejection.
 */
export function beginRun(job: JobContext): RunState {
  job.assertSourceConfigured();
  if (!STARTABLE.includes(job.status) || job.running) {
    throw new InvalidJobStatusError(`Cannot start job from status '${job.status}'`, job.status);
  }
  job.transitionTo(JobStatus.PROCESSING);
  job.running = true;
  delete job.completedAt;
  job.abortController = new AbortController();
  job.startedAt ??= Date.now();
  if (job.completedBatchIndices.size === 0) {
    job.processedCount = 0;
    job.failedCount = 0;
    job.resetBatches();
  }
  return { signal: job.abortController.signal, stopping: false };
}

/**
 * The rest of the run, after `beginRun`. Resolves when the run ended, whatever the outcome.
 * With `telemetry` the run has its span (`chunked`: a `processChunk()` call), and each batch
 * its own under it.
 */
export async function runJob(
  job: JobContext,
  run: RunState,
  processor: RecordProcessorFn,
  telemetry?: EngineTelemetry,
  chunked = false,
): Promise<void> {
  const previousTotal = job.totalRecords;
  const continuing = job.stream !== null;
  // A re-streamed input is recounted; a continued one keeps counting where it stopped.
  if (!continuing) job.totalRecords = 0;
  // One microtask, as published; the first traced run waits for the API to load.
  await (telemetry === undefined ? Promise.resolve() : telemetry.ready());
  const trace = telemetry?.startRun(job.jobId, chunked);
  if (trace !== undefined) run.trace = trace;
  job.eventBus.emit({
    type: 'job:started',
    jobId: job.jobId,
    timestamp: Date.now(),
    totalRecords: job.totalRecords,
    totalBatches: job.batches.length,
  });

  let end: RunEnd;
  let stream: RecordStream | undefined;
  try {
    const opened = openStream(job, run);
    stream = opened;
    const dispatch = () =>
      job.maxConcurrentBatches > 1
        ? dispatchConcurrently(job, run, opened, processor)
        : dispatchSequentially(job, run, opened, processor);
    end = await (trace === undefined ? dispatch() : trace.run(dispatch));
  } catch (error) {
    end = { stoppedAtLimit: false, failure: error };
  }
  await finishRun(job, run, stream, end, previousTotal);
}

async function nextPending(job: JobContext, stream: RecordStream): Promise<SplitBatch | undefined> {
  for (;;) {
    const batch = await stream.next();
    if (!batch || !job.completedBatchIndices.has(batch.batchIndex)) return batch;
  }
}

async function dispatchSequentially(
  job: JobContext,
  run: RunState,
  stream: RecordStream,
  processor: RecordProcessorFn,
): Promise<RunEnd> {
  for (;;) {
    const batch = await nextPending(job, stream);
    if (!batch || run.signal.aborted) return { stoppedAtLimit: false };
    const end = await processBatch(job, run, batch, processor);
    if (end === 'left') return { stoppedAtLimit: false };
    if (job.isChunkExhausted()) return { stoppedAtLimit: await stream.hasMore() };
  }
}

/**
 * Up to `maxConcurrentBatches` batches in flight. Unlike the published dispatcher, a failing
 * batch never becomes an unhandled rejection and never leaves others running after the run
 * ended: the other batches stop at their next record and are awaited before `job:failed`. Chunk
 * limits count the records of batches in flight, so a call overshoots by at most those batches.
 */
async function dispatchConcurrently(
  job: JobContext,
  run: RunState,
  stream: RecordStream,
  processor: RecordProcessorFn,
): Promise<RunEnd> {
  const inFlight = new Set<Promise<void>>();
  let inFlightRecords = 0;
  // Set from batch callbacks: a holder object, so every read sees the current value.
  const outcome: { failure?: { error: unknown } } = {};
  // A function, not an inline test: both values change while this loop awaits.
  const mustStop = (): boolean => outcome.failure !== undefined || run.signal.aborted;
  let stoppedAtLimit = false;
  let dispatched = 0;
  const limitReached = (): boolean => {
    const limits = job.chunkLimits;
    if (!limits) return false;
    const atRecords =
      limits.maxRecords !== undefined &&
      job.chunkRecordCount + inFlightRecords >= limits.maxRecords;
    return atRecords || job.isChunkExhausted();
  };

  for (;;) {
    while (inFlight.size >= job.maxConcurrentBatches && !mustStop()) {
      await Promise.race(inFlight);
    }
    if (mustStop()) break;
    if (dispatched > 0 && limitReached()) {
      // Settle what runs before deciding: the limit may only be reached once they finish.
      await Promise.all(inFlight);
      if (mustStop()) break;
      if (job.isChunkExhausted() || limitReached()) {
        stoppedAtLimit = await stream.hasMore();
        break;
      }
    }
    const batch = await nextPending(job, stream);
    if (!batch || mustStop()) break;
    const size = batch.records.length;
    dispatched += 1;
    inFlightRecords += size;
    const task = processBatch(job, run, batch, processor).then(
      () => undefined,
      (error: unknown) => {
        outcome.failure ??= { error };
        run.stopping = true;
      },
    );
    const tracked = task.finally(() => {
      inFlight.delete(tracked);
      inFlightRecords -= size;
    });
    inFlight.add(tracked);
  }
  await Promise.all(inFlight);
  return outcome.failure
    ? { stoppedAtLimit: false, failure: outcome.failure.error }
    : { stoppedAtLimit };
}

async function finishRun(
  job: JobContext,
  run: RunState,
  stream: RecordStream | undefined,
  end: RunEnd,
  previousTotal: number,
): Promise<void> {
  const exhausted = stream?.exhausted ?? false;
  if (stream) {
    job.totalRecords = exhausted ? stream.pulled : Math.max(stream.pulled, previousTotal);
  }
  // A stream is kept only to continue after a chunk limit; otherwise it is closed.
  if (stream && (!end.stoppedAtLimit || end.failure !== undefined)) {
    job.stream = null;
    await stream.close();
  }

  if (end.failure !== undefined) {
    if (job.status !== JobStatus.ABORTED) {
      // A pause requested while the failing batch ran: the job still fails.
      if (job.status === JobStatus.PAUSED) job.releasePause();
      job.status = JobStatus.PROCESSING;
      job.transitionTo(JobStatus.FAILED);
      job.eventBus.emit({
        type: 'job:failed',
        jobId: job.jobId,
        timestamp: Date.now(),
        error: errorMessage(end.failure),
      });
    }
  } else if (!run.signal.aborted) {
    if (end.stoppedAtLimit) {
      job.transitionTo(JobStatus.PAUSED);
    } else {
      // Paused after the last record was taken (published: the run broke with an invalid
      // transition): hold until resumed or aborted, like a pause mid-run.
      while (job.status === JobStatus.PAUSED && job.pausePromise) await job.checkPause();
      if (job.status === JobStatus.PROCESSING) {
        job.transitionTo(JobStatus.COMPLETED);
        job.eventBus.emit({
          type: 'job:completed',
          jobId: job.jobId,
          timestamp: Date.now(),
          summary: job.buildSummary(),
        });
      }
    }
  }
  job.running = false;
  try {
    await job.saveState();
  } finally {
    run.trace?.end(job.status, job.buildSummary(), end.failure);
  }
}
