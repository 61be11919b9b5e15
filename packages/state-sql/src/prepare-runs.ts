import {
  JobStatus,
  prepareTakeoverFor,
  RecordAlreadyStoredError,
  type Batch,
  type PreparedBatch,
  type ProcessedRecord,
  type PrepareTakeover,
  type RegisterBatchOptions,
} from '@batchactions/core';
import { isUniqueViolation } from './executor';
import type { Db } from './db';
import { batchRowValues, optionalNumber } from './job-rows';
import { refusedBatchError } from './prepare-liveness';
import { increasing, lastPerIndex, recordColumns } from './record-codec';
import { recordUpserts, runWrites } from './record-writes';
import { lockJobForRegistration } from './batch-steps';
import type { Statements } from './statements';

type Count = number | string | bigint | null;

interface StandingRow {
  readonly status: JobStatus;
  readonly finished: Count;
  readonly openEarly: Count;
  readonly owner: string | null;
  readonly heartbeatAt: Count;
  readonly now: Count;
}

interface PreparedBatchRow {
  readonly id: string;
  readonly batchIndex: Count;
  readonly recordStartIndex: Count;
  readonly recordEndIndex: Count;
  readonly sourceCursor: string | null;
}

/**
 * PostgreSQL: `registerBatch` in one statement. The fast path inserts the records plainly; a
 * unique violation (a record index the job holds already) repeats the call as the replacing
 * statement, which names a record held by another batch (refused whole) or replaces the
 * batch's own records (a registration repeated).
 */
export async function registerBatchPostgres(
  db: Db,
  sql: Statements,
  jobId: string,
  batch: Batch,
  options: RegisterBatchOptions,
): Promise<void> {
  const { prepareRun, sourceCursor } = options;
  const values = [
    jobId,
    batch.id,
    ...recordColumns(lastPerIndex(batch.records)),
    ...batchRowValues(jobId, batch).slice(2),
    prepareRun ?? '',
    prepareRun === undefined ? 0 : 1,
    sourceCursor ?? null,
  ];
  type Row = { found: Count; taken: Count };
  let rows: Row[];
  try {
    rows = await db.select<Row>(sql.registerBatchPostgres(false), values);
  } catch (error) {
    if (!isUniqueViolation(error)) throw error;
    rows = await db.select<Row>(sql.registerBatchPostgres(true), values);
  }
  const taken = optionalNumber(rows[0]?.taken ?? null);
  if (taken !== null) throw new RecordAlreadyStoredError(jobId, batch.id, taken);
  if (Number(rows[0]?.found ?? 0) === 0) {
    throw await refusedBatchError(db, sql, jobId, prepareRun);
  }
}

/**
 * MySQL family and SQLite: `registerBatch` in one transaction holding a shared lock on the job
 * row (a delete, a takeover or a status change waits for it), then the renewal of the prepare
 * heartbeat in a statement of its own: in the transaction it would upgrade the shared lock, and
 * two registrations in flight that both upgrade deadlock on the MySQL family. A record index held by another
 * batch refuses the batch before anything is written. On the MySQL family two registrations
 * racing for the same new index may both pass that check; the later one then takes the record
 * over instead of failing. `prepare` never registers one index twice at once: a run registers
 * disjoint batches, and a run that took a prepare over lists the stored batches first.
 */
export async function registerBatchInTransaction(
  db: Db,
  sql: Statements,
  jobId: string,
  batch: Batch,
  options: RegisterBatchOptions,
): Promise<void> {
  const { prepareRun, sourceCursor } = options;
  // Serialised before the transaction: its locks are held for the SQL work only.
  const upserts = recordUpserts(db, sql, jobId, batch.id, batch.records);
  const heartbeat = [jobId, prepareRun ?? '', prepareRun === undefined ? 0 : 1];
  await db.transaction(async (transaction) => {
    await lockJobForRegistration(db, sql, jobId, prepareRun, transaction);
    const records = batch.records;
    if (records.length > 0) {
      // Contiguous rising indexes (the usual case) hold every index from first to last; any
      // others are checked by value.
      const first = (records[0] as ProcessedRecord).index;
      const last = (records[records.length - 1] as ProcessedRecord).index;
      const contiguous = last - first + 1 === records.length && increasing(records);
      const indexes = contiguous ? undefined : new Set(records.map((r) => r.index));
      let lowest = first;
      let highest = last;
      for (const index of indexes ?? []) {
        lowest = Math.min(lowest, index);
        highest = Math.max(highest, index);
      }
      const held = await db.select<{ recordIndex: Count }>(
        sql.selectTakenRecords(),
        [jobId, lowest, highest, batch.id],
        transaction,
      );
      const taken = held
        .map((row) => Number(row.recordIndex))
        .find((i) => indexes === undefined || indexes.has(i));
      if (taken !== undefined) throw new RecordAlreadyStoredError(jobId, batch.id, taken);
    }
    await db.run(
      sql.registerBatchRow(),
      [...batchRowValues(jobId, batch), sourceCursor ?? null],
      transaction,
    );
    await runWrites(db, upserts, transaction);
    // SQLite writes one at a time anyway: the renewal joins the transaction (one commit). The
    // others renew after it, not to turn the job row's shared lock into a write lock.
    if (db.family === 'sqlite') await db.run(sql.renewHeartbeatWithBatch(), heartbeat, transaction);
  });
  if (db.family !== 'sqlite') await db.run(sql.renewHeartbeatWithBatch(), heartbeat);
}

/** The owning run fails the job for good (see the port); false when it does not own it. */
export async function failPrepare(
  db: Db,
  sql: Statements,
  jobId: string,
  prepareRun: string,
): Promise<boolean> {
  return (await db.run(sql.failPrepare(), [jobId, prepareRun])) > 0;
}

/** Opens a job being prepared to workers (see the port), returning its status afterwards. */
export function openEarly(
  db: Db,
  sql: Statements,
  jobId: string,
  startedAt: number,
): Promise<JobStatus | null> {
  return db.transaction(async (transaction) => {
    await db.run(sql.openEarly(), [jobId, startedAt], transaction);
    const rows = await db.select<{ status: JobStatus }>(
      sql.selectJobStatus(),
      [jobId],
      transaction,
    );
    return rows[0]?.status ?? null;
  });
}

/**
 * Gives the job's prepare to `prepareRun` when nobody runs it: a locking read of the job row,
 * the rule of `prepareTakeoverFor` (database clock), and the update, in one transaction.
 */
export function takeOverPrepare(
  db: Db,
  sql: Statements,
  jobId: string,
  prepareRun: string,
  staleAfterMs: number,
): Promise<PrepareTakeover> {
  return db.transaction(
    async (transaction) => {
      const row = (
        await db.select<StandingRow>(sql.lockPrepareStanding(), [jobId], transaction)
      )[0];
      const heartbeatAt = optionalNumber(row?.heartbeatAt ?? null);
      const decision = prepareTakeoverFor(
        row && {
          status: row.status,
          finished: Number(row.finished) === 1,
          openEarly: Number(row.openEarly) === 1,
          owner: row.owner ?? undefined,
          heartbeatAgeMs:
            heartbeatAt === null ? undefined : Math.max(0, Number(row.now) - heartbeatAt),
        },
        prepareRun,
        staleAfterMs,
      );
      if (decision.taken) {
        await db.run(sql.takeOverPrepare(), [jobId, prepareRun], transaction);
      }
      return decision;
    },
    { lockingReads: true },
  );
}

/** The owning run gives the prepare up (see the port); false when it does not own it. */
export async function stopPrepare(
  db: Db,
  sql: Statements,
  jobId: string,
  prepareRun: string,
): Promise<boolean> {
  return (await db.run(sql.stopPrepare(), [jobId, prepareRun])) > 0;
}

/** Every batch of the job in index order with its source cursor (one query). */
export async function listPreparedBatches(
  db: Db,
  sql: Statements,
  jobId: string,
): Promise<readonly PreparedBatch[]> {
  const rows = await db.select<PreparedBatchRow>(sql.selectPreparedBatches(), [jobId]);
  return rows.map((row) => ({
    batchId: row.id,
    batchIndex: Number(row.batchIndex),
    recordStartIndex: Number(row.recordStartIndex),
    recordEndIndex: Number(row.recordEndIndex),
    ...(row.sourceCursor === null ? {} : { sourceCursor: row.sourceCursor }),
  }));
}
