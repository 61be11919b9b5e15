import type { TraceContextCarrier } from '@batchactions/core';
import { forFamily, type Db, type SqlFamily } from './db';
import type { QuotedTables } from './sql/tables';

/**
 * The statements of the job's stored trace context (issue 29, the `traceContext` column of
 * schema version 9), apart from the others so that they stay out of the storage files.
 */
export class TraceContextStatements {
  readonly update: string;
  readonly select: string;

  constructor(family: SqlFamily, t: QuotedTables) {
    this.update = forFamily(family, `UPDATE ${t.jobs} SET "traceContext" = $1 WHERE "id" = $2`);
    this.select = forFamily(family, `SELECT "traceContext" FROM ${t.jobs} WHERE "id" = $1`);
  }
}

/** Stores `carrier` as JSON text in the job's row; false for an unknown job. */
export async function saveTraceContext(
  db: Db,
  sql: TraceContextStatements,
  jobId: string,
  carrier: TraceContextCarrier,
): Promise<boolean> {
  const changed = await db.run(sql.update, [JSON.stringify(carrier), jobId]);
  if (changed > 0) return true;
  // MySQL/MariaDB count changed rows only: saving the same carrier again changes none.
  const rows = await db.select<{ traceContext: string | null }>(sql.select, [jobId]);
  return rows.length > 0;
}

/** The carrier stored with the job; null without one (or for an unknown job). */
export async function getTraceContext(
  db: Db,
  sql: TraceContextStatements,
  jobId: string,
): Promise<TraceContextCarrier | null> {
  const rows = await db.select<{ traceContext: string | null }>(sql.select, [jobId]);
  const text = rows[0]?.traceContext ?? null;
  return text === null ? null : carrierFrom(text);
}

/** The string entries of the stored JSON object (anything else stored there is ignored). */
function carrierFrom(text: string): TraceContextCarrier | null {
  const parsed: unknown = JSON.parse(text);
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return null;
  const carrier: Record<string, string> = {};
  for (const [key, value] of Object.entries(parsed)) {
    if (typeof value === 'string') carrier[key] = value;
  }
  return carrier;
}
