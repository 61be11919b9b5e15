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
  getProgress(jobId: string): Promise<JobProgress>;
}
