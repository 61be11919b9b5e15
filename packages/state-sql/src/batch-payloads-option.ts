import { InvalidOptionError } from '@batchactions/core';

/** The store option of issue 28, shared by every SQL store's options. */
export interface BatchPayloadsOption {
  /**
   * Store each batch `prepare` registers as one row holding its records (the batch payloads
   * table), instead of one row per record: `prepare` writes a batch with one statement, a
   * worker reads it with one row, and a completed batch writes its outcome as one value plus
   * rows only for its invalid and failed records. Failed-record queries, exports, redrive and
   * every port method work as before; batches stored without the option keep their rows, and
   * stores with and without it can share the database. See docs/stores.md.
   * @default false
   */
  readonly batchPayloads?: boolean;
}

/** `options.batchPayloads` checked. @throws InvalidOptionError when it is not a boolean. */
export function resolveBatchPayloads(options: unknown): boolean {
  if (typeof options !== 'object' || options === null) return false;
  const value = (options as { batchPayloads?: unknown }).batchPayloads;
  if (value === undefined) return false;
  if (typeof value !== 'boolean') {
    throw new InvalidOptionError('batchPayloads', value, 'true or false');
  }
  return value;
}
