import type { ProcessedRecord } from '@batchactions/core';
import type { Transaction } from 'sequelize';
import type { Db } from './db';
import { lastPerIndex, recordColumns, recordRowValues } from './record-codec';
import type { Statements } from './statements';

/** Most records in one multi-row INSERT (MySQL family, SQLite): 7 values each. */
const ROWS_PER_STATEMENT = 500;
/** Most JSON characters in one multi-row INSERT, well under MySQL's default 16 MiB packet. */
const CHARS_PER_STATEMENT = 4_000_000;

/** Splits row values into statements of at most {@link ROWS_PER_STATEMENT} rows and about {@link CHARS_PER_STATEMENT} characters. */
function statementsOf(rows: readonly unknown[][]): unknown[][][] {
  const out: unknown[][][] = [];
  let current: unknown[][] = [];
  let chars = 0;
  for (const row of rows) {
    const size = (row[2] as string).length + (row[3] as string).length + (row[4] as string).length;
    if (
      current.length > 0 &&
      (current.length >= ROWS_PER_STATEMENT || chars + size > CHARS_PER_STATEMENT)
    ) {
      out.push(current);
      current = [];
      chars = 0;
    }
    current.push(row);
    chars += size;
  }
  if (current.length > 0) out.push(current);
  return out;
}

/**
 * Upserts records of batch `batchId` of job `jobId` by (job, record index): one statement on
 * PostgreSQL (the records travel as column arrays), multi-row INSERTs of up to 500 rows
 * elsewhere. Pass `transaction` to make several statements one write; `keepRaw` leaves the
 * `raw` of stored records alone (MySQL family, SQLite: the completion of a batch).
 */
export async function upsertRecords(
  db: Db,
  s: Statements,
  jobId: string,
  batchId: string,
  input: readonly ProcessedRecord[],
  transaction?: Transaction,
  keepRaw = false,
): Promise<void> {
  if (input.length === 0) return;
  const records = lastPerIndex(input);
  if (db.family === 'postgres') {
    await db.run(
      s.upsertRecordsPostgres(),
      [jobId, batchId, ...recordColumns(records)],
      transaction,
    );
    return;
  }
  for (const rows of statementsOf(records.map(recordRowValues))) {
    await db.run(
      s.upsertRecordsValues(rows.length, keepRaw),
      [jobId, batchId, ...rows.flat()],
      transaction,
    );
  }
}

/** Whether upserting `records` takes more than one statement (and so needs a transaction). */
export function needsSeveralStatements(db: Db, records: readonly ProcessedRecord[]): boolean {
  return db.family !== 'postgres' && records.length > ROWS_PER_STATEMENT;
}
