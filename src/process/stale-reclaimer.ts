import {
  supportsFencedWrites,
  type DistributedStateStore,
  type StaleBatchSweep,
} from '@batchactions/core';
import type { DistributedSettings } from '../config';

/**
 * How long a claim may go unrenewed before the batch is reclaimed. A store with fenced writes
 * renews claims with heartbeats, so a batch whose heartbeats stopped for `leaseTimeoutMs` (or
 * the published `staleBatchTimeoutMs`, when smaller) belongs to a dead worker. A store with only
 * the published port gets the published `staleBatchTimeoutMs`.
 */
export function reclaimAfterMs(config: DistributedSettings, fenced: boolean): number {
  return fenced
    ? Math.min(config.leaseTimeoutMs, config.staleBatchTimeoutMs)
    : config.staleBatchTimeoutMs;
}

/**
 * One sweep of `jobId`'s stale batches: with `sweepStaleBatches` when the store has it (reclaims
 * and quarantines told apart), else with `reclaimStaleBatches` (every change a reclaim).
 */
export async function sweepStale(
  store: DistributedStateStore,
  jobId: string,
  timeoutMs: number,
  maxAttempts: number | undefined,
): Promise<StaleBatchSweep> {
  if (store.sweepStaleBatches !== undefined) {
    return store.sweepStaleBatches(jobId, timeoutMs, maxAttempts);
  }
  const changed = await store.reclaimStaleBatches(jobId, timeoutMs, maxAttempts);
  return { reclaimed: changed, quarantined: 0 };
}

/**
 * Decides when a worker on one of our stores (fenced writes) sweeps stale batches back to
 * PENDING. Sweeping before every claim is one more write per batch (on SQLite, one more turn of
 * the write lock for every worker), yet a batch only goes stale after the lease timeout. So a
 * facade sweeps at most every tenth of that timeout (capped at one second) per job, and always
 * before concluding that no batch is left: a stale batch is never the reason a worker stops.
 */
export class StaleReclaimer {
  private readonly lastSweep = new Map<string, number>();

  /**
   * @param onSwept told what each sweep changed (OpenTelemetry's reclaim and quarantine counts).
   */
  constructor(
    private readonly store: DistributedStateStore,
    private readonly config: DistributedSettings,
    private readonly onSwept?: (jobId: string, swept: StaleBatchSweep) => void,
  ) {}

  private get timeoutMs(): number {
    return reclaimAfterMs(this.config, supportsFencedWrites(this.store));
  }

  private get intervalMs(): number {
    return Math.min(1000, this.timeoutMs / 10);
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
    const swept = await sweepStale(
      this.store,
      jobId,
      this.timeoutMs,
      fenced ? this.config.maxBatchAttempts : undefined,
    );
    this.onSwept?.(jobId, swept);
    return swept.reclaimed + swept.quarantined;
  }
}
