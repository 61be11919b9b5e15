import { BatchStatus, type BatchStatusEntry, type DistributedStateStore } from '@batchactions/core';

/**
 * One character per batch, in index order, for the grid: `.` pending, `p` paused, `R` held by a
 * worker, `S` held with a stale heartbeat, `C` completed, `W` completed with failed records,
 * `F` failed. A 20,000-batch job is a 20 kB string.
 */
export type BatchGridCode = '.' | 'p' | 'R' | 'S' | 'C' | 'W' | 'F';

/** The grid code of one batch. */
export function gridCode(batch: BatchStatusEntry, staleHeartbeatMs: number): BatchGridCode {
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
/** Jobs whose finished prefix is remembered; the least recently read are forgotten first. */
const MAX_JOBS = 200;

function finished(code: string): boolean {
  return code === 'C' || code === 'W' || code === 'F';
}

/**
 * Reads batch grids, remembering for each job the run of finished batches (COMPLETED or
 * FAILED, which never change again) from index 0: workers claim the lowest pending batch, so
 * that run grows as the job advances, and a refresh reads only the batches after it. A
 * 2,000-batch job half done costs one query of 1,000 rows, near its end a few rows.
 */
export class BatchGridReader {
  private readonly prefixes = new Map<string, string[]>();

  /**
   * The job's grid, or undefined when the store has no `listBatches`. `key` names the job's
   * incarnation (id and creation time): a job purged and prepared again under the same id
   * starts afresh.
   */
  async read(
    store: DistributedStateStore,
    jobId: string,
    key: string,
    staleHeartbeatMs: number,
  ): Promise<string | undefined> {
    // The brief listing when the store has it (a quarter of the columns), else the full one.
    const list =
      store.listBatchStatuses?.bind(store) ?? store.listBatches?.bind(store) ?? undefined;
    if (list === undefined) return undefined;
    const prefix = this.prefixes.get(key) ?? [];
    this.prefixes.delete(key);
    const tail: string[] = [];
    let afterIndex = prefix.length - 1;
    for (;;) {
      const page = await list(jobId, { afterIndex, limit: GRID_PAGE });
      for (const batch of page) {
        // Indexes are dense from 0; a gap (never seen) would shift every later cell.
        while (prefix.length + tail.length < batch.batchIndex) tail.push('.');
        tail.push(gridCode(batch, staleHeartbeatMs));
      }
      const last = page.at(-1);
      if (page.length < GRID_PAGE || last === undefined) break;
      afterIndex = last.batchIndex;
    }
    const grid = prefix.join('') + tail.join('');
    let grown = 0;
    while (grown < tail.length && finished(tail[grown] ?? '')) grown += 1;
    prefix.push(...tail.slice(0, grown));
    if (this.prefixes.size >= MAX_JOBS) {
      const oldest = this.prefixes.keys().next().value;
      if (oldest !== undefined) this.prefixes.delete(oldest);
    }
    this.prefixes.set(key, prefix);
    return grid;
  }
}
