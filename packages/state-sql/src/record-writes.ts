import type { ProcessedRecord } from '@batchactions/core';
import { chunks, type Db, type Transaction } from './db';
import {
  completedRecordValues,
  pushCompletedRowValues,
  lastPerIndex,
  mysqlRecordDocuments,
  recordColumns,
  recordRowValues,
} from './record-codec';
import type { Statements } from './statements';

/** Most records in one multi-row INSERT on SQLite (7 bound values each). */
const SQLITE_ROWS_PER_STATEMENT = 500;
/** Most records in one JSON document (MySQL family). */
const MYSQL_ROWS_PER_STATEMENT = 2000;
/** Most characters of one statement's data, well under MySQL's default 16 MiB packet. */
const CHARS_PER_STATEMENT = 4_000_000;

/**
 * SQLite: the multi-row upserts of `records`, each at most {@link SQLITE_ROWS_PER_STATEMENT}
 * rows and about {@link CHARS_PER_STATEMENT} characters of JSON, with their bind values (job,
 * batch, then seven per row) built in one array per statement.
 */
function sqliteUpserts(
  s: Statements,
  jobId: string,
  batchId: string,
  records: readonly ProcessedRecord[],
): [string, unknown[]][] {
  const out: [string, unknown[]][] = [];
  let values: unknown[] = [jobId, batchId];
  let rows = 0;
  let chars = 0;
  for (const record of records) {
    const row = recordRowValues(record);
    const n = (row[2] as string).length + (row[3] as string).length + (row[4] as string).length;
    if (rows > 0 && (rows >= SQLITE_ROWS_PER_STATEMENT || chars + n > CHARS_PER_STATEMENT)) {
      out.push([s.upsertRecordsValues(rows), values]);
      values = [jobId, batchId];
      rows = 0;
      chars = 0;
    }
    for (const value of row) values.push(value);
    rows += 1;
    chars += n;
  }
  if (rows > 0) out.push([s.upsertRecordsValues(rows), values]);
  return out;
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
      : sqliteUpserts(s, jobId, batchId, records);
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
 * SQLite; PostgreSQL completes in one statement). Both update the stored records in place,
 * leaving their `raw` alone (never serialised nor sent again), and fall back to the upsert when
 * some record was not stored (or, on MySQL, did not change, which it does not count).
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
  let changed = 0;
  if (db.family === 'sqlite' && transaction.executeMany !== undefined) {
    changed = await transaction.executeMany(
      s.completeRecord(),
      records.map((record) => completedRecordValues(jobId, batchId, record)),
    );
    if (changed < records.length) await upsertRecords(db, s, jobId, batchId, records, transaction);
    return;
  }
  if (db.family === 'sqlite') {
    for (const part of chunks(records, SQLITE_ROWS_PER_STATEMENT)) {
      const values: unknown[] = [jobId, batchId];
      for (const record of part) pushCompletedRowValues(values, record);
      changed += await db.run(s.completeRecordsValues(part.length), values, transaction);
    }
    if (changed < records.length) await upsertRecords(db, s, jobId, batchId, records, transaction);
    return;
  }
  if (db.family !== 'mysql') {
    await upsertRecords(db, s, jobId, batchId, records, transaction);
    return;
  }
  for (const document of mysqlDocuments(records, false)) {
    changed += await db.run(s.completeRecordsMysql(), [document, jobId, batchId], transaction);
  }
  if (changed < records.length) await upsertRecords(db, s, jobId, batchId, records, transaction);
}
