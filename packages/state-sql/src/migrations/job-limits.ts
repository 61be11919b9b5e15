import type { SqlFamily } from '../db';
import { createJobLimitsTableSql } from '../sql/limits-table-sql';
import { jobLimitsTableName } from '../sql/tables';
import type { TableNames } from '../tables';

/**
 * Version 8: the job-wide limits table (issue 27): rate limit, cap on batches in flight and the
 * rate bucket, one row per job that has limits. A new table only; existing rows are untouched.
 */
export function jobLimits(family: SqlFamily, n: TableNames): string[] {
  return [createJobLimitsTableSql(family, `"${jobLimitsTableName(n)}"`)];
}
