import type { TableNames } from '../tables';

/** Double-quoted table names, to splice into statements before `forFamily` converts them. */
export interface QuotedTables {
  readonly jobs: string;
  readonly batches: string;
  readonly records: string;
  readonly uniqueValues: string;
  readonly schemaVersion: string;
  readonly jobLimits: string;
  /** The batch payloads table (issue 28; see `createBatchPayloadsTableSql`). */
  readonly batchPayloads: string;
  /** The batch outcomes table (issue 28; see `createBatchOutcomesTableSql`). */
  readonly batchOutcomes: string;
}

/**
 * The quoted names of `names`, qualified with `schema` when given (PostgreSQL). Names must
 * already have passed an identifier check.
 */
export function quoteTables(names: TableNames, schema?: string): QuotedTables {
  const q = (name: string) => (schema === undefined ? `"${name}"` : `"${schema}"."${name}"`);
  return {
    jobs: q(names.jobs),
    batches: q(names.batches),
    records: q(names.records),
    uniqueValues: q(names.uniqueValues),
    schemaVersion: q(names.schemaVersion),
    jobLimits: q(jobLimitsTableName(names)),
    batchPayloads: q(batchPayloadsTableName(names)),
    batchOutcomes: q(batchOutcomesTableName(names)),
  };
}

/** The name of the job-wide limits table of `names` (see `TableNames.jobLimits`). */
export function jobLimitsTableName(names: TableNames): string {
  return names.jobLimits ?? names.jobs.replace(/jobs$/, 'job_limits');
}

/** The name of the batch payloads table of `names` (see `TableNames.batchPayloads`). */
export function batchPayloadsTableName(names: TableNames): string {
  return names.batchPayloads ?? names.jobs.replace(/jobs$/, 'batch_payloads');
}

/** The name of the batch outcomes table of `names` (see `TableNames.batchOutcomes`). */
export function batchOutcomesTableName(names: TableNames): string {
  return names.batchOutcomes ?? names.jobs.replace(/jobs$/, 'batch_outcomes');
}
