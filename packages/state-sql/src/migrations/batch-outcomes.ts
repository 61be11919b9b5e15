import type { SqlFamily } from '../db';
import {
  createBatchOutcomesTableSql,
  moveOutcomesSql,
  outcomeCompressionSql,
} from '../sql/payload-sql';
import { batchOutcomesTableName, batchPayloadsTableName } from '../sql/tables';
import type { TableNames } from '../tables';

/**
 * Version 12: the batch outcomes table (issue 28): a payload batch's outcome in a row of its
 * own, so that a completion does not rewrite the batch's records. Outcomes stored by version
 * 10 and 11 in the payload rows move into it.
 */
export function batchOutcomes(family: SqlFamily, n: TableNames): string[] {
  const table = `"${batchOutcomesTableName(n)}"`;
  return [
    createBatchOutcomesTableSql(family, table),
    ...(family === 'postgres' ? [outcomeCompressionSql(table)] : []),
    ...moveOutcomesSql(family, `"${batchPayloadsTableName(n)}"`, table),
  ];
}
