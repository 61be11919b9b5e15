import { nowMs } from './sql/dialect-sql';
import { storedTotalSql } from './sql/prepare-sql';
import {
  checkJobListFilter,
  prepareMarks,
  type JobListEntry,
  type JobListFilter,
  type JobStatus,
} from '@batchactions/core';
import { forFamily, type Db } from './db';
import { optionalNumber } from './job-rows';
import type { QuotedTables } from './sql/tables';

type Count = number | string | bigint | null;

interface ListedRow {
  readonly id: string;
  readonly status: JobStatus;
  readonly totalRecords: Count;
  readonly createdAt: Count;
  readonly startedAt: Count;
  readonly completedAt: Count;
  readonly prepareHeartbeatAt: Count;
  readonly openedEarlyAt: Count;
  readonly prepareStoppedAt: Count;
  readonly sourceName: string | null;
  readonly now: Count;
  readonly processed: Count;
  readonly failed: Count;
  readonly total: Count;
  readonly pending: Count;
  readonly processing: Count;
  readonly completed: Count;
  readonly failedBatches: Count;
}

/**
 * Every job of the store with its batch counts, newest first: `startedAt` descending (jobs
 * without one last), ties by id; one query.
 * @throws InvalidOptionError for a bad `limit` or an unknown status.
 */
export async function listJobs(
  db: Db,
  t: QuotedTables,
  filter?: JobListFilter,
): Promise<readonly JobListEntry[]> {
  const { statuses = [], limit, search } = checkJobListFilter(filter);
  const conditions: string[] = [];
  const params: unknown[] = [...statuses];
  if (statuses.length > 0) {
    conditions.push(`j."status" IN (${statuses.map((_, i) => `$${i + 1}`).join(', ')})`);
  }
  if (search !== undefined) {
    // A substring match: no index serves it, but it narrows the jobs before their batches are
    // joined and counted, which is the cost of this query.
    params.push(`%${search.replace(/[!%_]/g, (c) => `!${c}`)}%`);
    const like = `LIKE $${params.length} ESCAPE '!'`;
    conditions.push(`(lower(j."id") ${like} OR lower(j."sourceName") ${like})`);
  }
  const where = conditions.length === 0 ? '' : `WHERE ${conditions.join(' AND ')}`;
  const count = (condition: string) => `sum(CASE WHEN ${condition} THEN 1 ELSE 0 END)`;
  const sql = forFamily(
    db.family,
    `SELECT j."id", j."status", ${storedTotalSql(db.family)} AS "totalRecords",
            j."createdAt", j."startedAt", j."completedAt", j."prepareHeartbeatAt", j."openedEarlyAt",
            j."prepareStoppedAt", j."sourceName", ${nowMs(db.family)} AS "now",
            coalesce(sum(b."processedCount"), 0) AS "processed",
            coalesce(sum(b."failedCount"), 0) AS "failed",
            count(b."id") AS "total",
            ${count(`b."status" IN ('PENDING', 'PAUSED')`)} AS "pending",
            ${count(`b."status" = 'PROCESSING'`)} AS "processing",
            ${count(`b."status" = 'COMPLETED'`)} AS "completed",
            ${count(`b."status" = 'FAILED'`)} AS "failedBatches"
     FROM ${t.jobs} j
     LEFT JOIN ${t.batches} b ON b."jobId" = j."id"
     ${where}
     GROUP BY j."id", j."status", j."totalRecords", j."createdAt", j."startedAt", j."completedAt",
              j."prepareHeartbeatAt", j."prepareFinishedAt", j."openedEarlyAt", j."prepareStoppedAt",
              j."sourceName"
     ORDER BY (CASE WHEN j."startedAt" IS NULL THEN 1 ELSE 0 END), j."startedAt" DESC, j."id"
     ${limit === undefined ? '' : `LIMIT ${String(limit)}`}`,
  );
  const rows = await db.select<ListedRow>(sql, params);
  return rows.map((row) => {
    const createdAt = optionalNumber(row.createdAt);
    const startedAt = optionalNumber(row.startedAt);
    const completedAt = optionalNumber(row.completedAt);
    const heartbeatAt = optionalNumber(row.prepareHeartbeatAt);
    return {
      jobId: row.id,
      status: row.status,
      totalRecords: Number(row.totalRecords),
      processedRecords: Number(row.processed ?? 0),
      failedRecords: Number(row.failed ?? 0),
      totalBatches: Number(row.total ?? 0),
      pendingBatches: Number(row.pending ?? 0),
      processingBatches: Number(row.processing ?? 0),
      completedBatches: Number(row.completed ?? 0),
      failedBatches: Number(row.failedBatches ?? 0),
      ...(createdAt === null ? {} : { createdAt }),
      ...(startedAt === null ? {} : { startedAt }),
      ...(completedAt === null ? {} : { completedAt }),
      ...(heartbeatAt === null
        ? {}
        : { prepareHeartbeatAgeMs: Math.max(0, Number(row.now) - heartbeatAt) }),
      ...prepareMarks(row.openedEarlyAt != null, row.prepareStoppedAt != null),
      ...(row.sourceName === null ? {} : { sourceName: row.sourceName }),
    };
  });
}
