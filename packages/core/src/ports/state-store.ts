import type { BatchState } from '../model/batch';
import type { JobProgress, JobState } from '../model/job';
import type { ProcessedRecord } from '../model/record';

/** Persistence of jobs, batches and records (the published single-process port). */
export interface StateStore {
  /**
   * Creates or replaces the job. Distributed stores also register each listed batch that they
   * do not hold yet; the state of batches they already hold is not overwritten.
   */
  saveJobState(job: JobState): Promise<void>;
  /** The job, or `null` when unknown. Distributed stores return batches without records. */
  getJobState(jobId: string): Promise<JobState | null>;
  updateBatchState(jobId: string, batchId: string, state: BatchState): Promise<void>;
  /** Inserts or replaces one record (keyed by job and record index). */
  saveProcessedRecord(jobId: string, batchId: string, record: ProcessedRecord): Promise<void>;
  /** Records with status `invalid` or `failed`, in index order. */
  getFailedRecords(jobId: string): Promise<readonly ProcessedRecord[]>;
  /** Records with status `pending` or `valid`, in index order. */
  getPendingRecords(jobId: string): Promise<readonly ProcessedRecord[]>;
  /** Records with status `processed`, in index order. */
  getProcessedRecords(jobId: string): Promise<readonly ProcessedRecord[]>;
  /**
   * Record-level progress as the store's published version computed it (the formulas differ
   * between the published stores; see each store). Prefer `getJobProgress` where it exists.
   */
  getProgress(jobId: string): Promise<JobProgress>;
  /**
   * Optional (an addition, every store of this repository has it): record-level progress that
   * agrees with `getDistributedStatus` and the job summary on every store: the counts of the
   * job's batches (or its records, for the single-process stores), failed records (`failed` and
   * `invalid`) counted as done in `percentage`, which reads 100 only when every record is done,
   * and `pendingRecords` never below 0. Unknown job: all zeros. `getStatus` and the CLI read it
   * (see {@link readJobProgress}).
   */
  getJobProgress?(jobId: string): Promise<JobProgress>;
}

/** `store.getJobProgress(jobId)` when the store has it, else its `getProgress(jobId)`. */
export function readJobProgress(store: StateStore, jobId: string): Promise<JobProgress> {
  return store.getJobProgress ? store.getJobProgress(jobId) : store.getProgress(jobId);
}
