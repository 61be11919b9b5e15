import type { Migration } from './migration';

/**
 * Version 3: `batches.record_end_index` holds the index of the batch's LAST record (inclusive),
 * as the published `Batch` and `BatchReservation` define it. Versions 1 and 2 stored one past
 * it (exclusive), so every existing row moves down by one; the range a batch covers is unchanged.
 */
export const migration003InclusiveRecordEnd: Migration = {
  version: 3,
  name: 'inclusive record end index',
  sql: `
UPDATE {{schema}}.batches SET record_end_index = record_end_index - 1;
`,
};
