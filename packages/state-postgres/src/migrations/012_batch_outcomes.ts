import {
  createBatchOutcomesTableSql,
  moveOutcomesSql,
  outcomeCompressionSql,
} from '@batchactions/state-sql';
import type { Migration } from './migration';

/**
 * Version 12: the batch outcomes table (issue 28), a payload batch's outcome in a row of its
 * own (see `createBatchOutcomesTableSql`), lz4-compressed on PostgreSQL 14+. Outcomes that
 * versions 10 and 11 stored in the payload rows move into it. The shared store's version 12.
 */
export const migration012BatchOutcomes: Migration = {
  version: 12,
  name: 'batch outcomes',
  sql: `${createBatchOutcomesTableSql('postgres', '{{schema}}.batch_outcomes')};
${outcomeCompressionSql('{{schema}}.batch_outcomes')};
${moveOutcomesSql('postgres', '{{schema}}.batch_payloads', '{{schema}}.batch_outcomes').join(';\n')};`,
};
