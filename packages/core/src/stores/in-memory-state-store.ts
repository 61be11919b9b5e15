import { BatchNotFoundError, JobNotFoundError } from '../errors/job-errors';
import { InvalidOptionError } from '../errors/invalid-option-error';
import { BatchStatus, type Batch, type BatchState } from '../model/batch';
import type { JobProgress, JobState } from '../model/job';
import { RECORD_STATUS_GROUPS, type ProcessedRecord, type RecordStatus } from '../model/record';
import type { StateStore } from '../ports/state-store';

/** Options of {@link InMemoryStateStore}. */
export interface InMemoryStateStoreOptions {
  /** Clock for `elapsedMs` in `getProgress`. Default: `Date.now`. */
  readonly now?: () => number;
}

interface RecordEntry {
  readonly batchId: string;
  readonly record: ProcessedRecord;
}

interface StoredJob {
  /** The job as saved, its batches without records (the records map holds those). */
  state: JobState;
  /** Record index → the record and the batch it belongs to. */
  readonly records: Map<number, RecordEntry>;
}

function checkJobId(jobId: unknown, option = 'jobId'): asserts jobId is string {
  if (typeof jobId !== 'string' || jobId === '') {
    throw new InvalidOptionError(option, jobId, 'a non-empty string job id');
  }
}

/** Copies a job so neither the caller nor the store can change the other's object. */
function copyJob(job: JobState, batches: readonly Batch[]): JobState {
  return { ...job, config: { ...job.config }, batches };
}

/**
 * A `StateStore` kept in this process's memory, for single-process imports and tests. Values
 * are copied in and out, so callers cannot change stored state by mutating what they passed or
 * got back. It is not a `DistributedStateStore` (no `claimBatch`...): workers in other
 * processes cannot share it, and `DistributedImport` rejects it. Use
 * `InMemoryDistributedStateStore` to run the distributed flow in one process.
 *
 * Each method starts with `await Promise.resolve()`: it settles on a later microtask, like a real
 * store, so callers cannot come to rely on synchronous side effects.
 */
export class InMemoryStateStore implements StateStore {
  private readonly jobs = new Map<string, StoredJob>();
  private readonly now: () => number;

  constructor(options: InMemoryStateStoreOptions = {}) {
    this.now = options.now ?? Date.now;
  }

  /** Creates or replaces the job; records listed in its batches are stored as records. */
  async saveJobState(job: JobState): Promise<void> {
    await Promise.resolve();
    checkJobId(job.id, 'job.id');
    const stored = this.jobs.get(job.id) ?? { state: job, records: new Map<number, RecordEntry>() };
    stored.state = copyJob(
      job,
      job.batches.map((batch) => ({ ...batch, records: [] })),
    );
    for (const batch of job.batches) this.putRecords(stored, batch.id, batch.records);
    this.jobs.set(job.id, stored);
  }

  /** The job with each batch's current records in index order, or `null` when unknown. */
  async getJobState(jobId: string): Promise<JobState | null> {
    await Promise.resolve();
    checkJobId(jobId);
    const stored = this.jobs.get(jobId);
    if (!stored) return null;
    const byBatch = new Map<string, ProcessedRecord[]>();
    for (const entry of this.sortedEntries(stored)) {
      const list = byBatch.get(entry.batchId) ?? [];
      list.push(structuredClone(entry.record));
      byBatch.set(entry.batchId, list);
    }
    const batches = stored.state.batches.map((batch) => ({
      ...batch,
      records: byBatch.get(batch.id) ?? [],
    }));
    return copyJob(stored.state, batches);
  }

  /** Throws `JobNotFoundError` / `BatchNotFoundError` when the job or batch is unknown. */
  async updateBatchState(jobId: string, batchId: string, state: BatchState): Promise<void> {
    await Promise.resolve();
    const stored = this.requireJob(jobId);
    const { batches } = stored.state;
    const position = batches.findIndex((batch) => batch.id === batchId);
    const batch = batches[position];
    if (!batch) throw new BatchNotFoundError(jobId, batchId);
    const updated: Batch = {
      ...batch,
      status: state.status,
      processedCount: state.processedCount,
      failedCount: state.failedCount,
    };
    stored.state = { ...stored.state, batches: batches.with(position, updated) };
  }

  /** Inserts or replaces the record with the same index. Throws `JobNotFoundError` for unknown jobs. */
  async saveProcessedRecord(
    jobId: string,
    batchId: string,
    record: ProcessedRecord,
  ): Promise<void> {
    await Promise.resolve();
    this.putRecords(this.requireJob(jobId), batchId, [record]);
  }

  getFailedRecords(jobId: string): Promise<readonly ProcessedRecord[]> {
    return this.recordsWithStatus(jobId, RECORD_STATUS_GROUPS.failed);
  }

  getPendingRecords(jobId: string): Promise<readonly ProcessedRecord[]> {
    return this.recordsWithStatus(jobId, RECORD_STATUS_GROUPS.pending);
  }

  getProcessedRecords(jobId: string): Promise<readonly ProcessedRecord[]> {
    return this.recordsWithStatus(jobId, RECORD_STATUS_GROUPS.processed);
  }

  /**
   * Progress from the stored records (processed, failed) and the job (total, batches done,
   * `startedAt`). Throws `JobNotFoundError` for unknown jobs.
   */
  async getProgress(jobId: string): Promise<JobProgress> {
    await Promise.resolve();
    const { state, records } = this.requireJob(jobId);
    let processed = 0;
    let failed = 0;
    for (const { record } of records.values()) {
      if (record.status === 'processed') processed += 1;
      else if (record.status === 'invalid' || record.status === 'failed') failed += 1;
    }
    const total = state.totalRecords;
    const finished = processed + failed;
    const elapsedMs =
      state.startedAt === undefined
        ? 0
        : Math.max(0, (state.completedAt ?? this.now()) - state.startedAt);
    const remaining = Math.max(0, total - finished);
    const doneBatches = state.batches.filter(
      (b) => b.status === BatchStatus.COMPLETED || b.status === BatchStatus.FAILED,
    ).length;
    return {
      totalRecords: total,
      processedRecords: processed,
      failedRecords: failed,
      pendingRecords: remaining,
      percentage: total === 0 ? 0 : Math.min(100, (finished / total) * 100),
      currentBatch: doneBatches,
      totalBatches: state.batches.length,
      elapsedMs,
      ...(finished > 0 && elapsedMs > 0
        ? { estimatedRemainingMs: Math.round((elapsedMs / finished) * remaining) }
        : {}),
    };
  }

  private async recordsWithStatus(
    jobId: string,
    statuses: readonly RecordStatus[],
  ): Promise<readonly ProcessedRecord[]> {
    await Promise.resolve();
    checkJobId(jobId);
    const stored = this.jobs.get(jobId);
    if (!stored) return [];
    return this.sortedEntries(stored)
      .filter((entry) => statuses.includes(entry.record.status))
      .map((entry) => structuredClone(entry.record));
  }

  private sortedEntries(stored: StoredJob): RecordEntry[] {
    return [...stored.records.values()].sort((a, b) => a.record.index - b.record.index);
  }

  private putRecords(
    stored: StoredJob,
    batchId: string,
    records: readonly ProcessedRecord[],
  ): void {
    for (const record of records) {
      stored.records.set(record.index, { batchId, record: structuredClone(record) });
    }
  }

  private requireJob(jobId: string): StoredJob {
    checkJobId(jobId);
    const stored = this.jobs.get(jobId);
    if (!stored) throw new JobNotFoundError(jobId);
    return stored;
  }
}
