import type { BatchInFlight, DistributedStateStore } from '@batchactions/core';
import { readJobStatus, type JobStatusReport } from '../control/job-status';
import type { BatchGridReader } from './batch-grid';
import type { ThroughputHistory, ThroughputSample } from './throughput-history';

/** A batch in flight as the job page shows it. */
export interface InFlightRow extends BatchInFlight {
  /** The heartbeat is older than `staleHeartbeatMs`: its worker may be dead. */
  readonly stale: boolean;
}

/** The job page: everything one refresh shows. */
export interface JobView {
  readonly report: Omit<JobStatusReport, 'inFlight'>;
  /** Records per second over the last 30 s, once work was seen. */
  readonly recordsPerSecond?: number;
  readonly etaMs?: number;
  readonly inFlight?: readonly InFlightRow[];
  /** The batch grid (a `BatchGridCode` per batch); absent on stores without `listBatches`. */
  readonly grid?: string;
  /** The readings the throughput chart draws. */
  readonly samples: readonly ThroughputSample[];
  /** Epoch ms of this reading (the dashboard's clock). */
  readonly now: number;
}

/**
 * Reads the job page: the status report (`readJobStatus`: job row, progress, batch counts,
 * batches in flight) and the batch grid (`listBatches` on the batches not finished yet).
 * Rejects with `JobNotFoundError` for an unknown job.
 */
export async function readJobView(
  store: DistributedStateStore,
  jobId: string,
  history: ThroughputHistory,
  grids: BatchGridReader,
  staleHeartbeatMs: number,
  now: number,
): Promise<JobView> {
  const full = await readJobStatus(store, jobId);
  const grid = await grids.read(
    store,
    jobId,
    `${jobId}\u0000${String(full.createdAt ?? '')}`,
    staleHeartbeatMs,
  );
  const { inFlight, ...report } = full;
  const done = report.progress.processedRecords + report.progress.failedRecords;
  const rate = history.record(jobId, now, done, report.progress.pendingRecords);
  const live = report.phase !== 'finished' && report.phase !== 'paused';
  return {
    report,
    ...(rate && live ? { recordsPerSecond: rate.recordsPerSecond } : {}),
    ...(rate?.estimatedRemainingMs !== undefined && live
      ? { etaMs: rate.estimatedRemainingMs }
      : {}),
    ...(inFlight
      ? {
          inFlight: inFlight.map((batch) => ({
            ...batch,
            stale: batch.heartbeatAgeMs > staleHeartbeatMs,
          })),
        }
      : {}),
    ...(grid === undefined ? {} : { grid }),
    samples: history.samples(jobId),
    now,
  };
}
