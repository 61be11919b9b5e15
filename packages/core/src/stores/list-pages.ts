import { InvalidOptionError } from '../errors/invalid-option-error';
import type { BatchListPage, FailedRecordPage } from '../ports/distributed-state-store';

/** A page of `listBatches` or `listFailedRecords` after checking. */
export interface CheckedListPage {
  /** Items with an index above this one; `-1` for the first page. */
  readonly afterIndex: number;
  /** At most this many items; `undefined` for all the remaining ones. */
  readonly limit: number | undefined;
}

/**
 * Checks a `listBatches` / `listFailedRecords` page for every store alike: `afterIndex` an
 * integer >= -1, `limit` an integer >= 1; `undefined` fields take their defaults, anything else
 * (`null` included) throws `InvalidOptionError` naming the field.
 */
export function checkListPage(page: BatchListPage | FailedRecordPage | undefined): CheckedListPage {
  if (page === undefined) return { afterIndex: -1, limit: undefined };
  // Callers from JavaScript may pass anything.
  const given: unknown = page;
  if (typeof given !== 'object' || given === null) {
    throw new InvalidOptionError('page', page, 'an object { afterIndex?, limit? }');
  }
  const { afterIndex, limit } = page as { afterIndex?: unknown; limit?: unknown };
  if (
    afterIndex !== undefined &&
    (typeof afterIndex !== 'number' || !Number.isInteger(afterIndex) || afterIndex < -1)
  ) {
    throw new InvalidOptionError('page.afterIndex', afterIndex, 'an integer >= -1');
  }
  if (limit !== undefined && (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1)) {
    throw new InvalidOptionError('page.limit', limit, 'an integer >= 1');
  }
  return { afterIndex: afterIndex ?? -1, limit };
}

/** The items of `sorted` (ascending `index`) that `page` selects. */
export function selectPage<T>(
  sorted: readonly T[],
  index: (item: T) => number,
  page: CheckedListPage,
): T[] {
  const after = sorted.filter((item) => index(item) > page.afterIndex);
  return page.limit === undefined ? after : after.slice(0, page.limit);
}
