import { valueRows, type SqlFamily } from '../db';
import { ignoreDuplicates } from './dialect-sql';
import type { QuotedTables } from './tables';

/**
 * Inserts `rows` claims of job `$1` (field, value key, record index from `$2` on) that nobody
 * holds; a value already held keeps its holder. Within one statement the first row of a pair
 * wins: later duplicates conflict with it.
 */
export function insertUniqueValuesSql(t: QuotedTables, family: SqlFamily, rows: number): string {
  const values = valueRows(2, rows, 3).replaceAll('(', '($1, ');
  return `
    INSERT INTO ${t.uniqueValues} ("jobId", "field", "valueKey", "recordIndex")
    VALUES ${values}
    ${ignoreDuplicates(family, 'recordIndex')}`;
}

/** The holders of job `$1`'s value keys `$2`...: field, value key and record index. */
export function selectUniqueHoldersSql(t: QuotedTables, keys: number): string {
  const list = Array.from({ length: keys }, (_, i) => `$${i + 2}`).join(', ');
  return `
    SELECT "field", "valueKey", "recordIndex"
    FROM ${t.uniqueValues}
    WHERE "jobId" = $1 AND "valueKey" IN (${list})`;
}

/**
 * PostgreSQL: claims job `$1`'s values in one statement, the claims given as arrays (`$2`
 * fields, `$3` value keys, `$4` record indexes), and returns the claims it inserted: the
 * values nobody held. Nothing is inserted for an unknown job. Rows go in sorted by field, value
 * and record index: the B-tree is walked in order, concurrent claimers take row locks in the
 * same order, and within the statement the lowest record index of a value wins.
 */
export function claimUniqueValuesPostgresSql(t: QuotedTables): string {
  return `${insertClaimsPostgres(t)}
    ON CONFLICT DO NOTHING
    RETURNING "field", "valueKey", "recordIndex"`;
}

/**
 * PostgreSQL: the claims of {@link claimUniqueValuesPostgresSql} as a plain INSERT, for claims
 * that are expected to be free: it fails whole (unique violation, nothing inserted) when one
 * value is already held or repeated, and then the caller runs the statement above. Where it
 * succeeds it costs the database less per value: no speculative insertion (its conflict probe
 * before each row and the confirmation record after it).
 */
export function claimFreeUniqueValuesPostgresSql(t: QuotedTables): string {
  return insertClaimsPostgres(t);
}

/**
 * The claims' INSERT. Its job check also turns `synchronous_commit` off for the statement's own
 * transaction (an uncorrelated subquery: evaluated once, before the first row; `set_config(...,
 * true)` ends with the transaction, so the pooled connection keeps its setting), as a batch
 * claim does: the claims are visible at once, as any commit, and durable within a few
 * `wal_writer_delay`s or as soon as a later synchronous commit flushes the WAL past them. The
 * WAL is flushed in order, so whatever durable decision depends on a claim makes it durable
 * too: the batch's own completion, and the completion of any batch whose record lost the value
 * to it (that record's claim saw this one committed, so its commit record is earlier in the
 * WAL). A server crash can lose only claims of a batch that completed nothing durably since;
 * that batch is processed again (its lease was lost with the crash, or its completion was) and
 * claims its values again. What it saves: the WAL flush the worker waited for before its batch
 * could start: about a quarter of the database's time of a batch's unique values (issue 28).
 */
function insertClaimsPostgres(t: QuotedTables): string {
  return `
    INSERT INTO ${t.uniqueValues} ("jobId", "field", "valueKey", "recordIndex")
    SELECT $1::text, c.field, c.value_key, c.record_index
    FROM unnest($2::text[], $3::text[], $4::integer[]) AS c (field, value_key, record_index)
    WHERE EXISTS (
      SELECT 1 FROM ${t.jobs}
      WHERE "id" = $1::text AND set_config('synchronous_commit', 'off', true) = 'off')
    ORDER BY c.field, c.value_key, c.record_index`;
}
