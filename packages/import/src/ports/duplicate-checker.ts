/** What a duplicate checker knows about the record it checks. */
export interface DuplicateCheckContext {
  readonly jobId: string;
  readonly batchId?: string;
  readonly recordIndex: number;
}

/** Answer of a duplicate checker for one record. */
export interface DuplicateCheckResult {
  readonly isDuplicate: boolean;
  /** Identifier of the existing entity the record duplicates. */
  readonly existingId?: string;
  readonly metadata?: Record<string, unknown>;
}

/**
 * Checks records against an external system (e.g. "does this email already exist?").
 * `checkBatch`, when present, is called once per batch with every valid record and must return
 * one result per input, in order; otherwise `check` is called per record.
 */
export interface DuplicateChecker {
  check(
    fields: Record<string, unknown>,
    context: DuplicateCheckContext,
  ): Promise<DuplicateCheckResult>;
  checkBatch?(
    records: readonly {
      readonly fields: Record<string, unknown>;
      readonly context: DuplicateCheckContext;
    }[],
  ): Promise<readonly DuplicateCheckResult[]>;
}
