import type { RawRecord } from '@batchactions/core';
import type { ParseCursor, TrackedRecords } from '../../ports/source-parser';

/** A one-shot `TrackedRecords` over `records`, whose cursor `cursor()` computes. */
export function trackedRecords(
  records: AsyncGenerator<RawRecord>,
  cursor: () => ParseCursor,
): TrackedRecords {
  return {
    [Symbol.asyncIterator]: () => records,
    cursor,
  };
}
