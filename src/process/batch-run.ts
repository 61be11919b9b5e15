import type { EventBus, JobHooks, ProcessingContext, UniqueValueClaim } from '@batchactions/core';
import type { DuplicateChecker, SchemaValidator } from '@batchactions/import';
import type { DistributedBatchConfig } from '../config';

/** Everything the record pipeline needs to process one claimed batch. */
export interface BatchRun {
  readonly jobId: string;
  readonly batchId: string;
  readonly batchIndex: number;
  readonly workerId: string;
  readonly totalRecords: number;
  readonly signal: AbortSignal;
  readonly config: DistributedBatchConfig;
  readonly validator: SchemaValidator;
  readonly hooks: JobHooks;
  readonly duplicateChecker: DuplicateChecker | undefined;
  readonly events: EventBus;
  /** The store's job-wide unique-value claims, when it has them (`claimUniqueValues`). */
  readonly claimUniqueValues:
    ((claims: readonly UniqueValueClaim[]) => Promise<readonly number[]>) | undefined;
}

/** The context handed to hooks and the processor for one record. */
export function contextFor(run: BatchRun, recordIndex: number): ProcessingContext {
  return {
    jobId: run.jobId,
    batchId: run.batchId,
    batchIndex: run.batchIndex,
    recordIndex,
    totalRecords: run.totalRecords,
    signal: run.signal,
    workerId: run.workerId,
  };
}
