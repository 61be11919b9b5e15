import { quoteTables, type QuotedTables } from '@batchactions/state-sql';

/** The store's tables in its schema: names for the shared SQL, plus what migrations use. */
export interface SchemaTables {
  /** The schema name, unquoted (already checked to be a safe identifier). */
  readonly schemaName: string;
  /** The quoted schema, e.g. `"batchactions"`. */
  readonly schema: string;
  /** The quoted, schema-qualified migrations table. */
  readonly migrations: string;
  /** The quoted, schema-qualified tables the shared SQL store reads and writes. */
  readonly store: QuotedTables;
}

/**
 * The tables of `schema` (which must already have passed the identifier check): this package's
 * own names (`jobs`, `batches`, `records`, `unique_values`, `schema_migrations`), not the
 * published `batchactions_*` ones.
 */
export function schemaTables(schema: string): SchemaTables {
  const store = quoteTables(
    {
      jobs: 'jobs',
      batches: 'batches',
      records: 'records',
      uniqueValues: 'unique_values',
      schemaVersion: 'schema_migrations',
      batchPayloads: 'batch_payloads',
      batchOutcomes: 'batch_outcomes',
    },
    schema,
  );
  return { schemaName: schema, schema: `"${schema}"`, migrations: store.schemaVersion, store };
}
