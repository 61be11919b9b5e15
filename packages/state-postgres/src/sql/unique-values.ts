import type { SchemaTables } from './tables';

/**
 * Claims unique values for job `$1`: claim k is (`$2[k]` field, `$3[k]` value, `$4[k]` record
 * index). Inserts the values nobody holds (the first claim of a pair within the call wins) and
 * returns, per claim in order, the index of the record holding the value: the inserted row's,
 * or the row already there. A row committed by a concurrent claimant after this statement's
 * snapshot is skipped by `ON CONFLICT` yet not visible to the join, so its holder comes back
 * NULL; the caller reads those with `selectUniqueHoldersSql`.
 */
export function claimUniqueValuesSql(t: SchemaTables): string {
  return `
    WITH claim AS (
      SELECT c.field, c.value, c.record_index, c.ord
      FROM unnest($2::text[], $3::text[], $4::int[]) WITH ORDINALITY
           AS c (field, value, record_index, ord)
    ),
    inserted AS (
      INSERT INTO ${t.uniqueValues} (job_id, field, value, record_index)
      SELECT DISTINCT ON (field, value) $1, field, value, record_index
      FROM claim
      ORDER BY field, value, ord
      ON CONFLICT DO NOTHING
      RETURNING field, value, record_index
    )
    SELECT COALESCE(i.record_index, u.record_index) AS holder
    FROM claim c
    LEFT JOIN inserted i ON i.field = c.field AND i.value = c.value
    LEFT JOIN ${t.uniqueValues} u ON u.job_id = $1 AND u.field = c.field AND u.value = c.value
    ORDER BY c.ord`;
}

/** The holders of (`$2[k]` field, `$3[k]` value) pairs of job `$1`, as field, value, holder. */
export function selectUniqueHoldersSql(t: SchemaTables): string {
  return `
    SELECT u.field, u.value, u.record_index AS holder
    FROM unnest($2::text[], $3::text[]) AS c (field, value)
    JOIN ${t.uniqueValues} u ON u.job_id = $1 AND u.field = c.field AND u.value = c.value`;
}
