import { RecentRateMeter, type RecentRate } from '../control/recent-rate';

/** One reading of a job: records done (processed + failed) at a time. */
export interface ThroughputSample {
  /** Epoch ms of the reading (the dashboard's clock). */
  readonly at: number;
  /** Records done so far. */
  readonly done: number;
}

/** Readings kept per job for the chart: 10 minutes at one reading per 2 s. */
const MAX_SAMPLES = 300;
/** Readings closer together than this are not kept for the chart (several pages poll at once). */
const MIN_SPACING_MS = 900;
/** Jobs followed at most; the least recently read ones are forgotten first. */
const MAX_JOBS = 500;

interface Followed {
  readonly meter: RecentRateMeter;
  readonly samples: ThroughputSample[];
}

/**
 * The dashboard's memory of each job's progress between refreshes: the rate over the last
 * 30 s (the `status --watch` meter, so the ETA reflects the workers now) and the readings the
 * throughput chart draws. Nothing is stored in the store.
 */
export class ThroughputHistory {
  private readonly jobs = new Map<string, Followed>();

  /** Records a reading and returns the recent rate (undefined until work was seen). */
  record(jobId: string, at: number, done: number, pending: number): RecentRate | undefined {
    let followed = this.jobs.get(jobId);
    if (followed === undefined) {
      followed = { meter: new RecentRateMeter(), samples: [] };
      if (this.jobs.size >= MAX_JOBS) {
        const oldest = this.jobs.keys().next().value;
        if (oldest !== undefined) this.jobs.delete(oldest);
      }
    } else {
      this.jobs.delete(jobId);
    }
    this.jobs.set(jobId, followed);
    const last = followed.samples.at(-1);
    if (last === undefined || at - last.at >= MIN_SPACING_MS) {
      followed.samples.push({ at, done });
      if (followed.samples.length > MAX_SAMPLES) followed.samples.shift();
    }
    return followed.meter.add(at, done, pending);
  }

  /** The readings of the job, oldest first. */
  samples(jobId: string): readonly ThroughputSample[] {
    return this.jobs.get(jobId)?.samples ?? [];
  }
}
