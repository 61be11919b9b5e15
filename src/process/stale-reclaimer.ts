import type { DistributedStateStore } from '@batchactions/core';
import type { DistributedSettings } from '../config';

/**
 * Decides when a worker sweeps stale batches back to PENDING. Sweeping before every claim is one
 * more write per batch (on SQLite, one more turn of the write lock for every worker), yet a batch
 * only goes stale after `staleBatchTimeoutMs`. So a facade sweeps at most every
 * `staleBatchTimeoutMs / 10` (capped at one second) per job, and always before concluding that no
 * batch is left: a stale batch is never the reason a worker stops.
 */
export class StaleReclaimer {
  private readonly lastSweep = new Map<string, number>();

  constructor(
    private readonly store: DistributedStateStore,
    private readonly config: DistributedSettings,
  ) {}

  private get intervalMs(): number {
    return Math.min(1000, this.config.staleBatchTimeoutMs / 10);
  }

  /** True when this job was not swept within the interval. */
  isDue(jobId: string, now = Date.now()): boolean {
    const last = this.lastSweep.get(jobId);
    return last === undefined || now - last >= this.intervalMs;
  }

  /** Sweeps the job's stale batches; returns how many changed state. */
  async sweep(jobId: string): Promise<number> {
    this.lastSweep.set(jobId, Date.now());
    const fenced = typeof this.store.completeBatch === 'function';
    return this.store.reclaimStaleBatches(
      jobId,
      this.config.staleBatchTimeoutMs,
      fenced ? this.config.maxBatchAttempts : undefined,
    );
  }
}
