import type { ProcessedRecord } from '@batchactions/core';
import type { Db, Transaction } from './db';
import { lastPerIndex, mysqlRecordDocuments, recordColumns, recordRowValues } from './record-codec';
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

/** The MySQL family's JSON documents of `records`, within the statement limits. */
function mysqlDocuments(records: readonly ProcessedRecord[], withRaw: boolean): string[] {
  return mysqlRecordDocuments(records, withRaw, MYSQL_ROWS_PER_STATEMENT, CHARS_PER_STATEMENT);
}

/**
 * Upserts records of batch `batchId` of job `jobId` by (job, record index): one statement on
 * PostgreSQL (the records travel as column arrays) and on the MySQL family (as one JSON
 * document, up to 2,000 records and 4 million characters), multi-row INSERTs of up to 500 rows
 * on SQLite. Several statements run in `transaction`, or in one of their own without it, so
 * the write is all or nothing.
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
  const statements: [string, unknown[]][] =
    db.family === 'mysql'
      ? mysqlDocuments(records, true).map((document) => [
          s.upsertRecordsMysql(),
          [document, jobId, batchId],
        ])
      : groups(records.map(recordRowValues), SQLITE_ROWS_PER_STATEMENT, rowChars).map((part) => [
          s.upsertRecordsValues(part.length),
          [jobId, batchId, ...part.flat()],
        ]);
  const runAll = async (t: Transaction | undefined) => {
    for (const [sql, bind] of statements) await db.run(sql, bind, t);
  };
  if (transaction !== undefined || statements.length === 1) {
    await runAll(transaction);
    return;
  }
  await db.transaction(runAll);
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
  for (const document of mysqlDocuments(records, false)) {
    changed += await db.run(s.completeRecordsMysql(), [document, jobId, batchId], transaction);
  }
  if (changed < records.length) await upsertRecords(db, s, jobId, batchId, records, transaction);
}
