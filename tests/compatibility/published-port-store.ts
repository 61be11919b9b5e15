import type {
  Batch,
  BatchState,
  ClaimBatchResult,
  DistributedJobStatus,
  DistributedStateStore,
  JobProgress,
  JobState,
  ProcessedRecord,
} from '@batchactions/core';

/** One call the facade made, with its arguments as they were at the time of the call. */
export interface StoreCall {
  readonly method: string;
  readonly args: readonly unknown[];
}

interface JobEntry {
  state: Omit<JobState, 'batches'>;
  batches: Batch[];
}

/** A deep copy for the call log that keeps functions and RegExps (a schema) by reference. */
function snapshot(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(snapshot);
  if (value === null || typeof value !== 'object' || value instanceof RegExp) return value;
  if ('fields' in value) return value; // a schema: compared by identity
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, snapshot(v)]));
}

/**
 * A `DistributedStateStore` written against the published port only, the way users write
 * theirs (like the doubles in the published package's own suite): the fifteen published
 * methods, none of our optional ones. `saveBatchRecords` keeps the records, `saveJobState`
 * registers the batches its list carries (published 5.6), claims take the lowest PENDING batch.
 * Every call is logged, in order, in `calls`.
 */
export class PublishedPortStore implements DistributedStateStore {
  readonly calls: StoreCall[] = [];
  private readonly jobs = new Map<string, JobEntry>();
  /** `${jobId}/${index}` → record. */
  private readonly records = new Map<string, { batchId: string; record: ProcessedRecord }>();
  /** Set to make the named method reject (once) with this error. */
  failNext: { method: string; error: Error } | undefined;

  private log(method: string, args: unknown[]): void {
    this.calls.push({ method, args: args.map(snapshot) });
    if (this.failNext?.method === method) {
      const { error } = this.failNext;
      this.failNext = undefined;
      throw error;
    }
  }

  /** The method names called so far, in order. */
  methods(): string[] {
    return this.calls.map((c) => c.method);
  }

  saveJobState(job: JobState): Promise<void> {
    return Promise.resolve().then(() => {
      this.log('saveJobState', [job]);
      const { batches, ...state } = job;
      const known = this.jobs.get(job.id)?.batches ?? [];
      const merged = batches.map((b) => known.find((k) => k.id === b.id) ?? { ...b, records: [] });
      this.jobs.set(job.id, { state, batches: merged });
    });
  }

  getJobState(jobId: string): Promise<JobState | null> {
    return Promise.resolve().then(() => {
      this.log('getJobState', [jobId]);
      const job = this.jobs.get(jobId);
      return job ? { ...job.state, batches: job.batches.map((b) => ({ ...b })) } : null;
    });
  }

  updateBatchState(jobId: string, batchId: string, state: BatchState): Promise<void> {
    return Promise.resolve().then(() => {
      this.log('updateBatchState', [jobId, batchId, state]);
      const job = this.jobs.get(jobId);
      if (!job) return;
      job.batches = job.batches.map((b) =>
        b.id === batchId
          ? {
              ...b,
              status: state.status,
              processedCount: state.processedCount,
              failedCount: state.failedCount,
            }
          : b,
      );
    });
  }

  saveProcessedRecord(jobId: string, batchId: string, record: ProcessedRecord): Promise<void> {
    return Promise.resolve().then(() => {
      this.log('saveProcessedRecord', [jobId, batchId, record]);
      this.records.set(`${jobId}/${String(record.index)}`, { batchId, record });
    });
  }

  private recordsOf(jobId: string, keep: (r: ProcessedRecord) => boolean): ProcessedRecord[] {
    return [...this.records.entries()]
      .filter(([key, entry]) => key.startsWith(`${jobId}/`) && keep(entry.record))
      .map(([, entry]) => entry.record)
      .sort((a, b) => a.index - b.index);
  }

  getFailedRecords(jobId: string): Promise<readonly ProcessedRecord[]> {
    this.log('getFailedRecords', [jobId]);
    return Promise.resolve(
      this.recordsOf(jobId, (r) => r.status === 'failed' || r.status === 'invalid'),
    );
  }

  getPendingRecords(jobId: string): Promise<readonly ProcessedRecord[]> {
    this.log('getPendingRecords', [jobId]);
    return Promise.resolve(
      this.recordsOf(jobId, (r) => r.status === 'pending' || r.status === 'valid'),
    );
  }

  getProcessedRecords(jobId: string): Promise<readonly ProcessedRecord[]> {
    this.log('getProcessedRecords', [jobId]);
    return Promise.resolve(this.recordsOf(jobId, (r) => r.status === 'processed'));
  }

  getProgress(jobId: string): Promise<JobProgress> {
    this.log('getProgress', [jobId]);
    const job = this.jobs.get(jobId);
    const total = job?.state.totalRecords ?? 0;
    const processed = this.recordsOf(jobId, (r) => r.status === 'processed').length;
    const failed = this.recordsOf(
      jobId,
      (r) => r.status === 'failed' || r.status === 'invalid',
    ).length;
    return Promise.resolve({
      totalRecords: total,
      processedRecords: processed,
      failedRecords: failed,
      pendingRecords: total - processed - failed,
      percentage: total > 0 ? Math.round((processed / total) * 100) : 0,
      currentBatch: job?.batches.filter((b) => b.status === 'COMPLETED').length ?? 0,
      totalBatches: job?.batches.length ?? 0,
      elapsedMs: 0,
    });
  }

  claimBatch(jobId: string, workerId: string): Promise<ClaimBatchResult> {
    return Promise.resolve().then((): ClaimBatchResult => {
      this.log('claimBatch', [jobId, workerId]);
      const job = this.jobs.get(jobId);
      if (!job) return { claimed: false, reason: 'JOB_NOT_FOUND' };
      if (job.state.status !== 'PROCESSING')
        return { claimed: false, reason: 'JOB_NOT_PROCESSING' };
      const batch = job.batches.find((b) => b.status === 'PENDING');
      if (!batch) return { claimed: false, reason: 'NO_PENDING_BATCHES' };
      const claimedAt = Date.now();
      job.batches = job.batches.map((b) =>
        b === batch ? { ...b, status: 'PROCESSING', workerId, claimedAt } : b,
      );
      return {
        claimed: true,
        reservation: {
          jobId,
          batchId: batch.id,
          batchIndex: batch.index,
          workerId,
          claimedAt,
          recordStartIndex: batch.recordStartIndex ?? 0,
          recordEndIndex: batch.recordEndIndex ?? 0,
        },
      };
    });
  }

  releaseBatch(jobId: string, batchId: string, workerId: string): Promise<void> {
    return Promise.resolve().then(() => {
      this.log('releaseBatch', [jobId, batchId, workerId]);
      const job = this.jobs.get(jobId);
      if (!job) return;
      job.batches = job.batches.map((b) =>
        b.id === batchId && b.status === 'PROCESSING' && b.workerId === workerId
          ? { ...b, status: 'PENDING' }
          : b,
      );
    });
  }

  reclaimStaleBatches(jobId: string, timeoutMs: number): Promise<number> {
    return Promise.resolve().then(() => {
      this.log('reclaimStaleBatches', [jobId, timeoutMs]);
      const job = this.jobs.get(jobId);
      if (!job) return 0;
      const now = Date.now();
      let count = 0;
      job.batches = job.batches.map((b) => {
        if (b.status !== 'PROCESSING' || (b.claimedAt ?? 0) + timeoutMs > now) return b;
        count += 1;
        return { ...b, status: 'PENDING' };
      });
      return count;
    });
  }

  saveBatchRecords(
    jobId: string,
    batchId: string,
    records: readonly ProcessedRecord[],
  ): Promise<void> {
    return Promise.resolve().then(() => {
      this.log('saveBatchRecords', [jobId, batchId, records]);
      for (const record of records) {
        this.records.set(`${jobId}/${String(record.index)}`, { batchId, record });
      }
    });
  }

  getBatchRecords(jobId: string, batchId: string): Promise<readonly ProcessedRecord[]> {
    return Promise.resolve().then(() => {
      this.log('getBatchRecords', [jobId, batchId]);
      return [...this.records.entries()]
        .filter(([key, e]) => key.startsWith(`${jobId}/`) && e.batchId === batchId)
        .map(([, e]) => e.record)
        .sort((a, b) => a.index - b.index);
    });
  }

  getDistributedStatus(jobId: string): Promise<DistributedJobStatus> {
    this.log('getDistributedStatus', [jobId]);
    const batches = this.jobs.get(jobId)?.batches ?? [];
    const count = (status: string) => batches.filter((b) => b.status === status).length;
    return Promise.resolve({
      jobId,
      totalBatches: batches.length,
      completedBatches: count('COMPLETED'),
      failedBatches: count('FAILED'),
      processingBatches: count('PROCESSING'),
      pendingBatches: count('PENDING'),
      isComplete: batches.length > 0 && count('PENDING') + count('PROCESSING') === 0,
    });
  }

  tryFinalizeJob(jobId: string): Promise<boolean> {
    return Promise.resolve().then(() => {
      this.log('tryFinalizeJob', [jobId]);
      const job = this.jobs.get(jobId);
      if (job?.state.status !== 'PROCESSING' || job.batches.length === 0) return false;
      if (job.batches.some((b) => b.status === 'PENDING' || b.status === 'PROCESSING')) {
        return false;
      }
      const failed = job.batches.some((b) => b.status === 'FAILED');
      job.state = {
        ...job.state,
        status: failed ? 'FAILED' : 'COMPLETED',
        completedAt: Date.now(),
      };
      return true;
    });
  }
}
