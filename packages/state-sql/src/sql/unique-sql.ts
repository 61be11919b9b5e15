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
