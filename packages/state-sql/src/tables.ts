import { InvalidOptionError } from '@batchactions/core';

/** Unquoted names of the store's tables in the published layout. */
export interface TableNames {
  readonly jobs: string;
  readonly batches: string;
  readonly records: string;
  readonly uniqueValues: string;
  readonly schemaVersion: string;
  /**
   * The job-wide limits table (issue 27). Absent: the jobs table's name with `jobs` replaced by
   * `job_limits` (`batchactions_job_limits`).
   */
  readonly jobLimits?: string;
  /**
   * The batch payloads table (issue 28). Absent: the jobs table's name with `jobs` replaced by
   * `batch_payloads` (`batchactions_batch_payloads`).
   */
  readonly batchPayloads?: string;
  /**
   * The batch outcomes table (issue 28): a completed payload batch's outcome, in a row of its
   * own so that a completion does not rewrite the batch's records. Absent: the jobs table's
   * name with `jobs` replaced by `batch_outcomes` (`batchactions_batch_outcomes`).
   */
  readonly batchOutcomes?: string;
}

/** Options naming the tables of the published layout (Sequelize and Prisma stores). */
export interface TablePrefixOptions {
  /**
   * Prefix of the store's table names: `${tablePrefix}jobs`, `${tablePrefix}batches`,
   * `${tablePrefix}records` (plus `unique_values` and `schema_version`). Letters, digits and
   * underscores, starting with a letter or underscore, at most 40 characters.
   *
   * Default: `'batchactions_'`, the published table names. Version 0.0.5 accepted this option
   * and ignored it (its tables were always `batchactions_*`); it is honoured now.
   */
  readonly tablePrefix?: string;
}

/** The default of {@link TablePrefixOptions.tablePrefix}: the published table names. */
export const DEFAULT_TABLE_PREFIX = 'batchactions_';

const PREFIX_PATTERN = /^[A-Za-z_][A-Za-z0-9_]{0,39}$/;

/** Checks the options and derives the table names. @throws InvalidOptionError */
export function resolveTableNames(options: unknown): TableNames {
  if (options !== undefined && (typeof options !== 'object' || options === null)) {
    throw new InvalidOptionError('options', options, 'an object or undefined');
  }
  const prefix = (options as TablePrefixOptions | undefined)?.tablePrefix;
  if (prefix !== undefined && (typeof prefix !== 'string' || !PREFIX_PATTERN.test(prefix))) {
    throw new InvalidOptionError(
      'tablePrefix',
      prefix,
      'letters, digits and underscores (starting with a letter or underscore, at most 40 characters)',
    );
  }
  const p = prefix ?? DEFAULT_TABLE_PREFIX;
  return {
    jobs: `${p}jobs`,
    batches: `${p}batches`,
    records: `${p}records`,
    uniqueValues: `${p}unique_values`,
    schemaVersion: `${p}schema_version`,
    jobLimits: `${p}job_limits`,
    batchPayloads: `${p}batch_payloads`,
    batchOutcomes: `${p}batch_outcomes`,
  };
}
