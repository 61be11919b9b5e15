import type { ProcessingContext } from '@batchactions/core';

/** Answer of a duplicate checker for one record. */
export interface DuplicateCheckResult {
  readonly isDuplicate: boolean;
  /** Identifier of the existing entity; shown in the error message when truthy. */
  readonly existingId?: string;
  /** Free-form details; copied onto the `EXTERNAL_DUPLICATE` error's `metadata`. */
  readonly metadata?: Record<string, unknown>;
}

/**
 * What a duplicate checker is told about the record it checks: the processing context (job,
 * batch, record index, records so far, abort signal). Callers that know less (the distributed
 * worker) fill what they know.
 */
export type DuplicateCheckContext = ProcessingContext;

/**
 * Checks records against an external system (e.g. "does this email already exist?"). `check`
 * receives the transformed record. `checkBatch`, when present, is used by `DistributedImport`
 * (one call per batch, one result per input in order); `BulkImport` calls `check` per record.
 */
export interface DuplicateChecker {
  check(fields: Record<string, unknown>, context: ProcessingContext): Promise<DuplicateCheckResult>;
  checkBatch?(
    records: readonly { fields: Record<string, unknown>; context: ProcessingContext }[],
  ): Promise<readonly DuplicateCheckResult[]>;
}
