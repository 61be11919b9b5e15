import { createJobLimitsTableSql } from '@batchactions/state-sql';
import type { Migration } from './migration';

/**
 * Version 8: the job-wide limits table (issue 27), the table the shared SQL store reads for
 * `rateLimit` and `maxConcurrentBatches` (see `createJobLimitsTableSql`). New table only.
 */
export const migration008JobLimits: Migration = {
  version: 8,
  name: 'job-wide limits',
  sql: `${createJobLimitsTableSql('postgres', '{{schema}}.job_limits')};`,
};
