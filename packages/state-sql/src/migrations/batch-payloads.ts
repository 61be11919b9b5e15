import type { SqlFamily } from '../db';
import {
  createBatchPayloadsTableSql,
  createRecordStartIndexSql,
  payloadCompressionSql,
} from '../sql/payload-sql';
import { batchPayloadsTableName } from '../sql/tables';
import type { TableNames } from '../tables';

/**
 * Version 10: the batch payloads table (issue 28): a batch's records as one value in one row.
 * A new table and an index on the batches' record starts (the overlap check of a registration):
 * batches stored before keep their records as rows, and every read and write
 * tells the two apart by whether the batch has a payload row.
 */
export function batchPayloads(family: SqlFamily, n: TableNames): string[] {
  const table = `"${batchPayloadsTableName(n)}"`;
  return [
    createBatchPayloadsTableSql(family, table),
    ...(family === 'postgres' ? [payloadCompressionSql(table)] : []),
    createRecordStartIndexSql(family, `${n.batches}_record_start`, `"${n.batches}"`),
  ];
}
