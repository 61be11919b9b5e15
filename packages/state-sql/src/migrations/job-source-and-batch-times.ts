import type { SqlFamily } from '../db';
import type { TableNames } from '../tables';

/**
 * Version 9: what an operator looks up a job and a batch by, and what a trace continues from.
 *
 * - `jobs.sourceName`: the name of the file (or other source) the job was prepared from, as the
 *   source described itself (`fileName`, a path's base name), for the dashboard's search and
 *   the CLI's list. NULL for jobs stored before this version and for sources without a name.
 * - `jobs.traceContext`: the prepare's trace context (W3C `traceparent`/`tracestate` as JSON
 *   text), stored only when OpenTelemetry context propagation is on, so that each batch's span
 *   links to the import's trace.
 * - `batches.completedAt`: when the batch reached a final state (epoch ms, database clock); with
 *   `claimedAt`, how long its last attempt took. NULL for batches finished before this version.
 *
 * Columns only; existing rows get NULLs and nothing is rewritten.
 */
export function jobSourceAndBatchTimes(_family: SqlFamily, n: TableNames): string[] {
  return [
    `ALTER TABLE "${n.jobs}" ADD COLUMN "sourceName" TEXT NULL`,
    `ALTER TABLE "${n.jobs}" ADD COLUMN "traceContext" TEXT NULL`,
    `ALTER TABLE "${n.batches}" ADD COLUMN "completedAt" BIGINT NULL`,
  ];
}
