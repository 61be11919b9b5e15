import {
  BatchStatus,
  type BatchInFlight,
  type BatchListEntry,
  type DistributedStateStore,
} from '@batchactions/core';
import { readJobStatus, type JobStatusReport } from '../control/job-status';
import type { ThroughputHistory, ThroughputSample } from './throughput-history';

/**
 * One character per batch, in index order, for the grid: `.` pending, `p` paused, `R` held by a
 * worker, `S` held with a stale heartbeat, `C` completed, `W` completed with failed records,
 * `F` failed. A 20,000-batch job is a 20 kB string.
 */
export type BatchGridCode = '.' | 'p' | 'R' | 'S' | 'C' | 'W' | 'F';

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
  /** The batch grid ({@link BatchGridCode} per batch); absent on stores without `listBatches`. */
  readonly grid?: string;
  /** The readings the throughput chart draws. */
  readonly samples: readonly ThroughputSample[];
  /** Epoch ms of this reading (the dashboard's clock). */
  readonly now: number;
}

/** The grid code of one batch. */
export function gridCode(batch: BatchListEntry, staleHeartbeatMs: number): BatchGridCode {
  switch (batch.status) {
    case BatchStatus.PENDING:
      return '.';
    case BatchStatus.PAUSED:
      return 'p';
    case BatchStatus.PROCESSING:
      return (batch.heartbeatAgeMs ?? 0) > staleHeartbeatMs ? 'S' : 'R';
    case BatchStatus.COMPLETED:
      return batch.failedCount > 0 ? 'W' : 'C';
    case BatchStatus.FAILED:
      return 'F';
  }
}

/** Batches read per `listBatches` call: pages keep each query and answer bounded. */
const GRID_PAGE = 5000;

async function readGrid(
  store: DistributedStateStore,
  jobId: string,
  staleHeartbeatMs: number,
): Promise<string | undefined> {
  if (!store.listBatches) return undefined;
  const codes: string[] = [];
  let afterIndex = -1;
  for (;;) {
    const page = await store.listBatches(jobId, { afterIndex, limit: GRID_PAGE });
    for (const batch of page) {
      // Indexes are dense from 0; a gap (never seen) would shift every later cell.
      while (codes.length < batch.batchIndex) codes.push('.');
      codes.push(gridCode(batch, staleHeartbeatMs));
    }
    const last = page.at(-1);
    if (page.length < GRID_PAGE || last === undefined) break;
    afterIndex = last.batchIndex;
  }
  return codes.join('');
}

/**
 * Reads the job page: the status report (`readJobStatus`: job row, progress, batch counts,
 * batches in flight) and the batch grid (`listBatches`, one query per 5,000 batches).
 * Rejects with `JobNotFoundError` for an unknown job.
 */
export async function readJobView(
  store: DistributedStateStore,
  jobId: string,
  history: ThroughputHistory,
  staleHeartbeatMs: number,
  now: number,
): Promise<JobView> {
  const [full, grid] = await Promise.all([
    readJobStatus(store, jobId),
    readGrid(store, jobId, staleHeartbeatMs),
  ]);
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
