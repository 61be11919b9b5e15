import type { DistributedStateStore } from '@batchactions/core';

/**
 * How long a worker trusts "this job's prepare opened it early and still streams" before it
 * reads the job row again.
 */
export const STREAMING_RECHECK_MS = 1000;

/**
 * Which jobs a prepare opened early and still streams into, as this process last read them.
 * A claim that finds nothing pending in such a job is not a sign that the job is finishing: the
 * next batches are on their way. Workers then skip what only matters near the end (the forced
 * stale sweep, the finalisation attempt, the status read) and just claim again shortly, so that
 * a fleet waiting for the prepare costs one claim per poll instead of a handful of aggregates.
 */
export class StreamingJobs {
  private readonly knownUntil = new Map<string, number>();

  constructor(
    private readonly store: DistributedStateStore,
    /** A prepare heartbeat older than this is not streaming any more (its process died). */
    private readonly prepareTimeoutMs: number,
  ) {}

  /** True when the job was seen streaming within the last {@link STREAMING_RECHECK_MS}. */
  known(jobId: string, now = Date.now()): boolean {
    const until = this.knownUntil.get(jobId);
    return until !== undefined && now < until;
  }

  /** Whether the job streams now: from the last reading, or from the job row when it is old. */
  async check(jobId: string): Promise<boolean> {
    if (this.known(jobId)) return true;
    if (!this.store.getJobDetails) return false;
    const details = await this.store.getJobDetails(jobId);
    const age = details?.prepareHeartbeatAgeMs;
    const streaming =
      details?.openEarly === true && age !== undefined && age <= this.prepareTimeoutMs;
    if (streaming) this.knownUntil.set(jobId, Date.now() + STREAMING_RECHECK_MS);
    else this.knownUntil.delete(jobId);
    return streaming;
  }

  forget(jobId: string): void {
    this.knownUntil.delete(jobId);
  }
}
