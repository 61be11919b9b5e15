import type { ProcessedRecord } from '@batchactions/core';
import { chunks, type Db, type Transaction } from './db';
import {
  completedRecordValues,
  pushCompletedRowValues,
  lastPerIndex,
  mysqlRecordDocuments,
  pushRecordRowValues,
  recordColumns,
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
    if (rows >= SQLITE_ROWS_PER_STATEMENT || chars > CHARS_PER_STATEMENT) {
      out.push([s.upsertRecordsValues(rows), values]);
      values = [jobId, batchId];
      rows = 0;
      chars = 0;
    }
    chars += pushRecordRowValues(values, record);
    rows += 1;
  }
  if (rows > 0) out.push([s.upsertRecordsValues(rows), values]);
  return out;
}

/** The MySQL family's JSON documents of `records`, within the statement limits. */
function mysqlDocuments(records: readonly ProcessedRecord[], withRaw: boolean): string[] {
  return mysqlRecordDocuments(records, withRaw, MYSQL_ROWS_PER_STATEMENT, CHARS_PER_STATEMENT);
}

/**
 * MySQL family: the one JSON document (without raw payloads) of a finished batch's records, as
 * its in-place completion writes them; undefined when they take more than one document.
 */
export function mysqlCompletionDocument(records: readonly ProcessedRecord[]): string | undefined {
  const documents = mysqlDocuments(lastPerIndex(records), false);
  return documents.length === 1 ? documents[0] : undefined;
}

/** Statements with their bind values, built before a transaction opens. */
export type Writes = readonly (readonly [string, unknown[]])[];

/**
 * The statements that upsert records of batch `batchId` of job `jobId` by (job, record index):
 * one on PostgreSQL (the records travel as column arrays) and on the MySQL family (as one JSON
 * document, up to 2,000 records and 4 million characters), multi-row INSERTs of up to 500 rows
 * on SQLite. Built (records serialised) before the transaction that runs them, so its locks
 * are held for the SQL work only.
 */
export function recordUpserts(
  db: Db,
  s: Statements,
  jobId: string,
  batchId: string,
  input: readonly ProcessedRecord[],
): Writes {
  if (input.length === 0) return [];
  const records = lastPerIndex(input);
  if (db.family === 'postgres') {
    return [[s.upsertRecordsPostgres(), [jobId, batchId, ...recordColumns(records)]]];
  }
  if (db.family === 'mysql') {
    return mysqlDocuments(records, true).map((document) => [
      s.upsertRecordsMysql(),
      [document, jobId, batchId],
    ]);
  }
  return sqliteUpserts(s, jobId, batchId, records);
}

/** Runs `writes` in order in `transaction`, and returns the rows they changed in all. */
export async function runWrites(
  db: Db,
  writes: Writes,
  transaction?: Transaction,
): Promise<number> {
  let changed = 0;
  for (const [sql, bind] of writes) changed += await db.run(sql, bind, transaction);
  return changed;
}

/**
 * Upserts records of batch `batchId` of job `jobId` (see {@link recordUpserts}). Several
 * statements run in `transaction`, or in one of their own without it, so the write is all or
 * nothing.
 */
export async function upsertRecords(
  db: Db,
  s: Statements,
  jobId: string,
  batchId: string,
  input: readonly ProcessedRecord[],
  transaction?: Transaction,
): Promise<void> {
  const writes = recordUpserts(db, s, jobId, batchId, input);
  if (transaction !== undefined || writes.length <= 1) {
    await runWrites(db, writes, transaction);
    return;
  }
  await db.transaction((t) => runWrites(db, writes, t));
}

/**
 * The records of a finished batch, serialised now and written later inside the completion's
 * transaction (MySQL family and SQLite; PostgreSQL completes in one statement). Both update the
 * stored records in place, leaving their `raw` alone (never serialised nor sent again): SQLite
 * with one keyed UPDATE per record when the executor has `executeMany`, else multi-row
 * `UPDATE ... FROM (VALUES ...)`; the MySQL family from JSON documents. When some record was not
 * stored (or, on MySQL, did not change, which it does not count), they are upserted.
 */
export function completedRecordWrites(
  db: Db,
  s: Statements,
  jobId: string,
  batchId: string,
  input: readonly ProcessedRecord[],
): (transaction: Transaction) => Promise<void> {
  if (input.length === 0) return () => Promise.resolve();
  const records = lastPerIndex(input);
  const upsertMissing = async (changed: number, transaction: Transaction) => {
    if (changed < records.length) await upsertRecords(db, s, jobId, batchId, records, transaction);
  };
  if (db.family === 'sqlite' && db.executor.executeMany !== undefined) {
    const lists = records.map((record) => completedRecordValues(jobId, batchId, record));
    return async (transaction) => {
      const changed = transaction.executeMany
        ? await transaction.executeMany(s.completeRecord(), lists)
        : await runWrites(
            db,
            lists.map((values) => [s.completeRecord(), values] as const),
            transaction,
          );
      await upsertMissing(changed, transaction);
    };
  }
  let writes: Writes;
  if (db.family === 'sqlite') {
    writes = chunks(records, SQLITE_ROWS_PER_STATEMENT).map((part) => {
      const values: unknown[] = [jobId, batchId];
      for (const record of part) pushCompletedRowValues(values, record);
      return [s.completeRecordsValues(part.length), values] as const;
    });
  } else if (db.family === 'mysql') {
    writes = mysqlDocuments(records, false).map(
      (document) => [s.completeRecordsMysql(), [document, jobId, batchId]] as const,
    );
  } else {
    const upserts = recordUpserts(db, s, jobId, batchId, records);
    return async (transaction) => {
      await runWrites(db, upserts, transaction);
    };
  }
  return async (transaction) => {
    await upsertMissing(await runWrites(db, writes, transaction), transaction);
  };
}
