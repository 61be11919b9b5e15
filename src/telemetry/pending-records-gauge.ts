import type { Meter, ObservableResult } from '@opentelemetry/api';
import type { DistributedStateStore } from '@batchactions/core';
import { jobAttributes, METRIC } from '@batchactions/core/telemetry';

/** A job's pending count is read from the store at most this often, whatever the export rate. */
export const PENDING_READ_INTERVAL_MS = 5000;

/** Jobs watched at most by one importer (the oldest is dropped beyond it). */
const WATCHED_JOBS_MAX = 100;

interface Reading {
  value: number | undefined;
  readAt: number;
}

/**
 * `batchactions.records.pending`: an observable gauge of the records not yet processed of each
 * job this importer prepared or processed, read from the store (`getProgress`) when the SDK
 * collects, at most every {@link PENDING_READ_INTERVAL_MS} per job, never per batch. A job
 * leaves it when it completes in this process, or when the store reports it done.
 */
export class PendingRecordsGauge {
  private readonly jobs = new Map<string, Reading>();

  constructor(
    private readonly store: DistributedStateStore,
    meter: Meter,
    private readonly onBackgroundError: (error: unknown) => void,
  ) {
    meter
      .createObservableGauge(METRIC.recordsPending, {
        unit: '{record}',
        description: 'Records of the job not yet processed (read from the store)',
      })
      .addCallback((result) => this.observe(result));
  }

  watch(jobId: string): void {
    if (this.jobs.has(jobId)) return;
    if (this.jobs.size >= WATCHED_JOBS_MAX) {
      const oldest = this.jobs.keys().next();
      if (oldest.done !== true) this.jobs.delete(oldest.value);
    }
    this.jobs.set(jobId, { value: undefined, readAt: Number.NEGATIVE_INFINITY });
  }

  forget(jobId: string): void {
    this.jobs.delete(jobId);
  }

  private async observe(result: ObservableResult): Promise<void> {
    const now = Date.now();
    await Promise.all(
      [...this.jobs].map(async ([jobId, reading]) => {
        if (now - reading.readAt >= PENDING_READ_INTERVAL_MS) await this.read(jobId, reading, now);
        if (reading.value !== undefined) result.observe(reading.value, jobAttributes(jobId));
      }),
    );
  }

  private async read(jobId: string, reading: Reading, now: number): Promise<void> {
    reading.readAt = now;
    try {
      const progress = await this.store.getProgress(jobId);
      reading.value = progress.pendingRecords;
      // Done (in another process, say): reported once more at 0, then dropped.
      if (progress.totalRecords > 0 && progress.pendingRecords === 0) this.forget(jobId);
    } catch (error) {
      this.onBackgroundError(error);
    }
  }
}
