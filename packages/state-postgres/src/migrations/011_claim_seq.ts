import { addClaimSeqColumnSql } from '@batchactions/state-sql';
import type { Migration } from './migration';

/**
 * Version 11: `job_limits."claimSeq"` (issue 27), bumped by each claim of a capped job, so that
 * such a claim runs as one statement (see `addClaimSeqColumnSql`). A column only, 0 in existing
 * rows (PostgreSQL 11+ adds it without rewriting the table). The shared store's version 11.
 */
export const migration011ClaimSeq: Migration = {
  version: 11,
  name: 'capped claims in one statement',
  sql: `${addClaimSeqColumnSql('postgres', '{{schema}}.job_limits')};`,
};
