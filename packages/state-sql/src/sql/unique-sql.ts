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
 * The claims' INSERT. It commits durably (the connection's `synchronous_commit`), unlike a batch
 * claim: nothing fences a batch's completion on its unique claims. Were they asynchronous, a
 * server crash could keep the batch claim (flushed by someone's later commit) and lose the unique
 * claims after it; a worker whose processor outlived the restart would then complete the batch
 * (its lease intact) with its values missing from the register, and a later record with one of
 * them would be accepted too.
 */
function insertClaimsPostgres(t: QuotedTables): string {
  return `
    INSERT INTO ${t.uniqueValues} ("jobId", "field", "valueKey", "recordIndex")
    SELECT $1::text, c.field, c.value_key, c.record_index
    FROM unnest($2::text[], $3::text[], $4::integer[]) AS c (field, value_key, record_index)
    WHERE EXISTS (SELECT 1 FROM ${t.jobs} WHERE "id" = $1::text)
    ORDER BY c.field, c.value_key, c.record_index`;
}
