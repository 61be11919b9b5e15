import type { SqlFamily } from '../db';
import { addClaimSeqColumnSql } from '../sql/limits-table-sql';
import { jobLimitsTableName } from '../sql/tables';
import type { TableNames } from '../tables';

/**
 * Version 11: `job_limits."claimSeq"` (issue 27), bumped by each capped claim on PostgreSQL so
 * that such a claim can run as one statement (see `addClaimSeqColumnSql`). A column only, 0 in
 * existing rows; every family gets it so that the tables (and the Prisma models) are the same.
 */
export function claimSeq(family: SqlFamily, n: TableNames): string[] {
  return [addClaimSeqColumnSql(family, `"${jobLimitsTableName(n)}"`)];
}
