import type { TableNames } from '../options';

/** Double-quoted table names, to splice into statements before `forFamily` converts them. */
export interface QuotedTables {
  readonly jobs: string;
  readonly batches: string;
  readonly records: string;
  readonly uniqueValues: string;
  readonly schemaVersion: string;
}

export function quoteTables(names: TableNames): QuotedTables {
  return {
    jobs: `"${names.jobs}"`,
    batches: `"${names.batches}"`,
    records: `"${names.records}"`,
    uniqueValues: `"${names.uniqueValues}"`,
    schemaVersion: `"${names.schemaVersion}"`,
  };
}
