/**
 * The published (0.0.3) columns of the jobs table, as a Prisma client generated from the
 * reference models returns them. Kept for code that imported it; the store no longer reads
 * rows through model delegates, and the table has more columns now (`prisma/batchactions.prisma`).
 */
export interface BatchactionsJobRow {
  readonly id: string;
  readonly status: string;
  /** JSON: parsed, or the JSON text that version 0.0.3 stored (double-encoded). */
  readonly config: unknown;
  /** JSON: `[]` for jobs written by this version (batch state lives in the batches table). */
  readonly batches: unknown;
  readonly totalRecords: number;
  readonly startedAt: bigint | null;
  readonly completedAt: bigint | null;
  readonly distributed: boolean;
}

/** The published (0.0.3) columns of the records table; see {@link BatchactionsJobRow}. */
export interface BatchactionsRecordRow {
  /** A 64-bit id since this version (0.0.3: `number`). */
  readonly id: number | bigint;
  readonly jobId: string;
  readonly batchId: string;
  readonly recordIndex: number;
  readonly status: string;
  readonly raw: unknown;
  readonly parsed: unknown;
  readonly errors: unknown;
  readonly processingError: string | null;
}

/** The published (0.0.3) columns of the batches table; see {@link BatchactionsJobRow}. */
export interface BatchactionsBatchRow {
  readonly id: string;
  readonly jobId: string;
  readonly batchIndex: number;
  readonly status: string;
  readonly workerId: string | null;
  readonly claimedAt: bigint | null;
  readonly recordStartIndex: number;
  readonly recordEndIndex: number;
  readonly processedCount: number;
  readonly failedCount: number;
  readonly version: number;
}
