import type { RawRecord } from '@batchactions/core';
import type { ParseCursor, TrackedRecords } from '../../ports/source-parser';
import type { DamagedRowsReport } from '../csv/csv-damage-scanner';

/** A one-shot `TrackedRecords` over `records`, whose cursor `cursor()` computes. */
export function trackedRecords(
  records: AsyncGenerator<RawRecord>,
  cursor: () => ParseCursor,
  damagedRows?: () => DamagedRowsReport | undefined,
): TrackedRecords {
  return {
    [Symbol.asyncIterator]: () => records,
    cursor,
    ...(damagedRows === undefined ? {} : { damagedRows }),
  };
}
