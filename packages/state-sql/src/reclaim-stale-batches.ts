import { quarantineReason, type StaleBatchSweep } from '@batchactions/core';
import { failUnprocessedInPayload } from './batch-payloads';
import type { Db } from './db';
import type { Statements } from './statements';

interface StaleRow {
  readonly id: string;
  readonly batchIndex: number | string;
  readonly attempt: number | string;
  readonly workerId: string | null;
}

/** Why a quarantined batch FAILED (core's wording, shared by every store). */
export function abandonedMessage(row: StaleRow): string {
  return quarantineReason(Number(row.batchIndex), Number(row.attempt), row.workerId);
}

/**
 * Puts the job's batches claimed at least `timeoutMs` ago back to PENDING, or, with
 * `maxAttempts`, quarantines those already claimed that many times: FAILED with the reason,
 * every record of the batch's range counted failed and the unprocessed ones marked failed. Returns how many batches
 * were put back (`reclaimed`) and how many quarantined.
 *
 * Workers call this before every claim, so the usual case (nothing stale) is one plain read.
 * Otherwise one transaction locks the stale rows (PostgreSQL, MySQL family; SQLite holds its
 * write lock) and re-checks them, so a batch completed or renewed meanwhile is left alone and
 * concurrent reclaimers change each batch once.
 */
export async function reclaimStaleBatches(
  db: Db,
  s: Statements,
  jobId: string,
  timeoutMs: number,
  maxAttempts: number | undefined,
): Promise<StaleBatchSweep> {
  const probe = await db.select<StaleRow>(s.selectStaleBatches(false), [jobId, timeoutMs]);
  if (probe.length === 0) return { reclaimed: 0, quarantined: 0 };
  return db.transaction(
    async (transaction) => {
      const stale = await db.select<StaleRow>(
        s.selectStaleBatches(db.family !== 'sqlite'),
        [jobId, timeoutMs],
        transaction,
      );
      let reclaimed = 0;
      let quarantined = 0;
      for (const row of stale) {
        if (maxAttempts === undefined || Number(row.attempt) < maxAttempts) {
          reclaimed += await db.run(s.requeueBatch(), [jobId, row.id], transaction);
          continue;
        }
        const reason = abandonedMessage(row);
        quarantined += await db.run(s.quarantineBatch(), [jobId, row.id, reason], transaction);
        await db.run(s.failUnprocessedRecords(), [jobId, row.id, reason], transaction);
        await failUnprocessedInPayload(db, s, jobId, row.id, reason, transaction);
      }
      return { reclaimed, quarantined };
    },
    { lockingReads: true },
  );
}
