/** Schema-qualified, quoted names of the store's tables, spliced into every query. */
export interface SchemaTables {
  /** The schema name, unquoted (already checked to be a safe identifier). */
  readonly schemaName: string;
  /** The quoted schema, e.g. `"batchactions"`. */
  readonly schema: string;
  readonly jobs: string;
  readonly batches: string;
  readonly records: string;
  readonly uniqueValues: string;
  readonly migrations: string;
}

/** Table names for `schema`, which must already have passed the identifier check. */
export function schemaTables(schema: string): SchemaTables {
  const quoted = `"${schema}"`;
  return {
    schemaName: schema,
    schema: quoted,
    jobs: `${quoted}.jobs`,
    batches: `${quoted}.batches`,
    records: `${quoted}.records`,
    uniqueValues: `${quoted}.unique_values`,
    migrations: `${quoted}.schema_migrations`,
  };
}

/**
 * A `timestamptz` expression as epoch milliseconds (a float8, so `pg` hands back a number).
 * Stored times are whole milliseconds; `round` absorbs the float error of `extract` on servers
 * before PostgreSQL 14, where it returns float8 rather than numeric.
 */
export function epochMs(expression: string): string {
  return `round(extract(epoch FROM ${expression}) * 1000)::float8`;
}

/** The epoch-milliseconds parameter `$n` as a `timestamptz` (NULL stays NULL). */
export function fromEpochMs(parameter: string): string {
  return `to_timestamp(${parameter}::float8 / 1000)`;
}

/**
 * The database clock, truncated to whole milliseconds so that the epoch values the store
 * returns are exact. `clock_timestamp()` rather than `now()`: a statement that waited for a
 * lock records when it acted, not when its transaction began.
 */
export const DB_NOW_MS = `date_trunc('milliseconds', clock_timestamp())`;
