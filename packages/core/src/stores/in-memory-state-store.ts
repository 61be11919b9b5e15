import type { BatchState } from '../model/batch';
import type { JobProgress, JobState } from '../model/job';
import { RECORD_STATUS_GROUPS, type ProcessedRecord, type RecordStatus } from '../model/record';
import type { StateStore } from '../ports/state-store';
import { applyBatchState } from './apply-batch-state';
import { BatchListCopier, copyBatch, copyJob, copyRecord } from './copy-state';
import { progressFromRecords, publishedProgressFromRecords } from './record-progress';

/** Options of {@link InMemoryStateStore}. */
export interface InMemoryStateStoreOptions {
  /** Clock for `elapsedMs` in `getProgress`. Default: `Date.now`. */
  readonly now?: () => number;
}

interface StoredJob {
  state: JobState;
  readonly copier: BatchListCopier;
}

/**
 * A `StateStore` in this process's memory, the default store of `BatchEngine`. Behaves as the
 * published one (unknown jobs and batches are no-ops or empty results, records are upserted by
 * index in first-save order) except that values are copied in and out: the published store kept
 * the caller's objects, so later mutations leaked into "saved" state.
 *
 * It is not a `DistributedStateStore`: `DistributedImport` rejects it (use
 * `InMemoryDistributedStateStore` for the distributed flow in one process).
 */
export class InMemoryStateStore implements StateStore {
  private readonly jobs = new Map<string, StoredJob>();
  /** jobId → record index → record, in first-save order. */
  private readonly records = new Map<string, Map<number, ProcessedRecord>>();
  private readonly now: () => number;

  constructor(options: InMemoryStateStoreOptions = {}) {
    this.now = options.now ?? Date.now;
  }

  /** Creates or replaces the job (a copy of it). */
  saveJobState(job: JobState): Promise<void> {
    const stored = this.jobs.get(job.id) ?? { state: job, copier: new BatchListCopier() };
    stored.state = copyJob(job, stored.copier.copy(job.batches));
    this.jobs.set(job.id, stored);
    return Promise.resolve();
  }

  /** A copy of the job, or `null` when unknown. */
  getJobState(jobId: string): Promise<JobState | null> {
    const stored = this.jobs.get(jobId);
    return Promise.resolve(
      stored ? copyJob(stored.state, stored.state.batches.map(copyBatch)) : null,
    );
  }

  /** Sets the batch's status and counts; an unknown job or batch is left as it is. */
  updateBatchState(jobId: string, batchId: string, state: BatchState): Promise<void> {
    const stored = this.jobs.get(jobId);
    if (stored) {
      const batches = applyBatchState(stored.state.batches, batchId, state);
      stored.state = { ...stored.state, batches };
    }
    return Promise.resolve();
  }

  /**
   * Inserts or replaces the record with the same `(jobId, index)`; a replaced record keeps its
   * first position. The job need not be saved yet (`BatchEngine` saves it after the first batch).
   */
  saveProcessedRecord(jobId: string, _batchId: string, record: ProcessedRecord): Promise<void> {
    let records = this.records.get(jobId);
    if (!records) {
      records = new Map();
      this.records.set(jobId, records);
    }
    records.set(record.index, copyRecord(record));
    return Promise.resolve();
  }

  /** Records `failed` or `invalid`, in first-save order (`[]` for an unknown job). */
  getFailedRecords(jobId: string): Promise<readonly ProcessedRecord[]> {
    return Promise.resolve(this.withStatus(jobId, RECORD_STATUS_GROUPS.failed));
  }

  /** Records `pending` or `valid`, in first-save order. */
  getPendingRecords(jobId: string): Promise<readonly ProcessedRecord[]> {
    return Promise.resolve(this.withStatus(jobId, RECORD_STATUS_GROUPS.pending));
  }

  /** Records `processed`, in first-save order. */
  getProcessedRecords(jobId: string): Promise<readonly ProcessedRecord[]> {
    return Promise.resolve(this.withStatus(jobId, RECORD_STATUS_GROUPS.processed));
  }

  /**
   * Progress as the published store computed it (see `publishedProgressFromRecords`):
   * processed-only percentage, `pendingRecords` not clamped; an unknown job without records is
   * all zeros. `getJobProgress` gives the consistent view.
   */
  getProgress(jobId: string): Promise<JobProgress> {
    const records = this.records.get(jobId);
    return Promise.resolve(
      publishedProgressFromRecords(
        this.jobs.get(jobId)?.state ?? null,
        records ? records.values() : [],
        this.now(),
      ),
    );
  }

  /**
   * Progress with the formula `BatchEngine` and every store of this repository use from
   * `getJobProgress`: failed records count as done, `pendingRecords` never below 0, an integer
   * percentage that reads 100 only when every record is done, `elapsedMs` up to `completedAt`.
   */
  getJobProgress(jobId: string): Promise<JobProgress> {
    const records = this.records.get(jobId);
    return Promise.resolve(
      progressFromRecords(
        this.jobs.get(jobId)?.state ?? null,
        records ? records.values() : [],
        this.now(),
      ),
    );
  }

  private withStatus(jobId: string, statuses: readonly RecordStatus[]): ProcessedRecord[] {
    const records = this.records.get(jobId);
    if (!records) return [];
    const out: ProcessedRecord[] = [];
    for (const record of records.values()) {
      if (statuses.includes(record.status)) out.push(copyRecord(record));
    }
    return out;
  }
}
