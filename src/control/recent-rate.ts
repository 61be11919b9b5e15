/** Records done per second over a recent window, and the time left at that rate. */
export interface RecentRate {
  /** Records (processed + failed) per second over the window. */
  readonly recordsPerSecond: number;
  /** The span the rate was measured over, in ms (about the window once the watch is that old). */
  readonly overMs: number;
  /** Pending records divided by the rate; absent while the rate is 0. */
  readonly estimatedRemainingMs?: number;
}

interface Sample {
  readonly atMs: number;
  readonly doneRecords: number;
}

/**
 * Measures progress from successive readings of a job (the samples `status --watch` takes), so
 * the rate reflects the work of the workers now, not the average since `prepare` started the job
 * (which counts the time before any worker came). Readings older than `windowMs` are dropped;
 * readings taken before any record was done do not count, so the rate starts at the first work
 * seen.
 */
export class RecentRateMeter {
  private readonly samples: Sample[] = [];

  /** @param windowMs How far back the rate looks. Default `30000` ms. */
  constructor(private readonly windowMs = 30_000) {
    if (!Number.isFinite(windowMs) || windowMs <= 0) {
      throw new RangeError(
        `windowMs must be a positive number of milliseconds, got ${String(windowMs)}`,
      );
    }
  }

  /**
   * Adds a reading and returns the rate over the window, or `undefined` until two readings
   * with work between them span some time.
   */
  add(atMs: number, doneRecords: number, pendingRecords: number): RecentRate | undefined {
    const last = this.samples[this.samples.length - 1];
    if (last !== undefined && (atMs < last.atMs || doneRecords < last.doneRecords)) {
      // A clock step back or a job that restarted: measure afresh.
      this.samples.length = 0;
    }
    this.samples.push({ atMs, doneRecords });
    while (this.samples.length > 2 && atMs - (this.samples[1]?.atMs ?? atMs) >= this.windowMs) {
      this.samples.shift();
    }
    // Idle readings before the first work seen in the window would dilute the rate: measure
    // from the last of them.
    const base = this.samples[0];
    if (base === undefined) return undefined;
    const firstWork = this.samples.findIndex((sample) => sample.doneRecords > base.doneRecords);
    const from = firstWork > 0 ? (this.samples[firstWork - 1] ?? base) : base;
    const overMs = atMs - from.atMs;
    if (overMs <= 0) return undefined;
    const recordsPerSecond = ((doneRecords - from.doneRecords) * 1000) / overMs;
    return {
      recordsPerSecond,
      overMs,
      ...(recordsPerSecond > 0
        ? { estimatedRemainingMs: (pendingRecords * 1000) / recordsPerSecond }
        : {}),
    };
  }
}
