import type { ProcessedRecord } from '@batchactions/core';
import type { Transaction } from 'sequelize';
import type { Db } from './db';
import { lastPerIndex, mysqlRecordDocument, recordColumns, recordRowValues } from './record-codec';
import type { Statements } from './statements';

/** Most records in one multi-row INSERT on SQLite (7 bound values each). */
const SQLITE_ROWS_PER_STATEMENT = 500;
/** Most records in one JSON document (MySQL family). */
const MYSQL_ROWS_PER_STATEMENT = 2000;
/** Most characters of one statement's data, well under MySQL's default 16 MiB packet. */
const CHARS_PER_STATEMENT = 4_000_000;

/** Splits items into groups of at most `maxRows` and about `maxChars` (by `size`). */
function groups<T>(items: readonly T[], maxRows: number, size: (item: T) => number): T[][] {
  const out: T[][] = [];
  let current: T[] = [];
  let chars = 0;
  for (const item of items) {
    const n = size(item);
    if (current.length > 0 && (current.length >= maxRows || chars + n > CHARS_PER_STATEMENT)) {
      out.push(current);
      current = [];
      chars = 0;
    }
    current.push(item);
    chars += n;
  }
  if (current.length > 0) out.push(current);
  return out;
}

/** The characters a record row's JSON values take (the three JSON columns). */
function rowChars(row: unknown[]): number {
  return (row[2] as string).length + (row[3] as string).length + (row[4] as string).length;
}

/** A cheap estimate of a record's JSON size, to bound the MySQL documents. */
function recordChars(record: ProcessedRecord): number {
  return 64 + JSON.stringify(record.raw).length * (record.parsed === record.raw ? 1 : 2);
}

/**
 * Upserts records of batch `batchId` of job `jobId` by (job, record index): one statement on
 * PostgreSQL (the records travel as column arrays) and on the MySQL family (as one JSON
 * document, up to 2,000 records), multi-row INSERTs of up to 500 rows on SQLite. Pass
 * `transaction` to make several statements one write.
 */
export async function upsertRecords(
  db: Db,
  s: Statements,
  jobId: string,
  batchId: string,
  input: readonly ProcessedRecord[],
  transaction?: Transaction,
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
  if (db.family === 'mysql') {
    for (const part of groups(records, MYSQL_ROWS_PER_STATEMENT, recordChars)) {
      await db.run(
        s.upsertRecordsMysql(),
        [mysqlRecordDocument(part), jobId, batchId],
        transaction,
      );
    }
    return;
  }
  const rows = records.map(recordRowValues);
  for (const part of groups(rows, SQLITE_ROWS_PER_STATEMENT, rowChars)) {
    await db.run(s.upsertRecordsValues(part.length), [jobId, batchId, ...part.flat()], transaction);
  }
}

/**
 * The records of a finished batch, inside the completion's transaction (MySQL family and
 * SQLite; PostgreSQL completes in one statement). The MySQL family updates the stored records
 * in place, leaving their `raw` alone, and falls back to the upsert when some record was not
 * stored (or did not change, which MySQL does not count); SQLite upserts.
 */
export async function writeCompletedRecords(
  db: Db,
  s: Statements,
  jobId: string,
  batchId: string,
  input: readonly ProcessedRecord[],
  transaction: Transaction,
): Promise<void> {
  if (input.length === 0) return;
  const records = lastPerIndex(input);
  if (db.family !== 'mysql') {
    await upsertRecords(db, s, jobId, batchId, records, transaction);
    return;
  }
  let changed = 0;
  for (const part of groups(records, MYSQL_ROWS_PER_STATEMENT, recordChars)) {
    changed += await db.run(
      s.completeRecordsMysql(),
      [mysqlRecordDocument(part), jobId, batchId],
      transaction,
    );
  }
  if (changed < records.length) await upsertRecords(db, s, jobId, batchId, records, transaction);
}

/** Whether upserting `records` takes more than one statement (and so needs a transaction). */
export function needsSeveralStatements(db: Db, records: readonly ProcessedRecord[]): boolean {
  if (db.family === 'postgres') return false;
  return (
    records.length > (db.family === 'mysql' ? MYSQL_ROWS_PER_STATEMENT : SQLITE_ROWS_PER_STATEMENT)
  );
}
