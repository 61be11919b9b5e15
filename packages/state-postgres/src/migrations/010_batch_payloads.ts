import {
  createBatchPayloadsTableSql,
  createRecordStartIndexSql,
  payloadCompressionSql,
} from '@batchactions/state-sql';
import type { Migration } from './migration';

/**
 * Version 10: the batch payloads table (issue 28), a batch's records as one value in one row
 * (see `createBatchPayloadsTableSql`), lz4-compressed on PostgreSQL 14+. New table only: batches stored before keep their records
 * as rows.
 */
export const migration010BatchPayloads: Migration = {
  version: 10,
  name: 'batch payloads',
  sql: `${createBatchPayloadsTableSql('postgres', '{{schema}}.batch_payloads')};
${payloadCompressionSql('{{schema}}.batch_payloads')};
${createRecordStartIndexSql('postgres', 'batches_record_start', '{{schema}}.batches')};`,
};
