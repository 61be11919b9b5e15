import type {
  EventBus,
  JobHooks,
  ProcessedRecord,
  ProcessingContext,
  UniqueValueClaim,
} from '@batchactions/core';
import type { DuplicateChecker, SchemaValidator } from '@batchactions/import';
import type { DistributedSettings } from '../config';

/** Everything the record pipeline needs to process one claimed batch. */
export interface BatchRun {
  readonly jobId: string;
  readonly batchId: string;
  readonly batchIndex: number;
  readonly workerId: string;
  /** The job's `totalRecords`, handed to hooks and the processor as published. */
  readonly totalRecords: number;
  /** Aborts when the batch must stop (lease lost, job cancelled, caller's signal). */
  readonly signal: AbortSignal;
  readonly config: DistributedSettings;
  readonly validator: SchemaValidator;
  readonly hooks: JobHooks;
  readonly duplicateChecker: DuplicateChecker | undefined;
  readonly events: EventBus;
  /**
   * Stores one record's final state. On a store with only the published port this is the
   * published `saveProcessedRecord` call, made before the record's event; on a store with
   * fenced batch writes it keeps the record for the one write at the end of the batch, at once
   * (nothing to await).
   */
  readonly save: (record: ProcessedRecord) => Promise<void> | void;
  /** The store's job-wide unique-value claims, when `jobWideUniqueFields` is on. */
  readonly claimUniqueValues:
    ((claims: readonly UniqueValueClaim[]) => Promise<readonly number[]>) | undefined;
}

/**
 * The context handed to hooks, the duplicate checker and the processor for one record: the
 * published fields, nothing more. The signal is the batch's (ours can abort; see `BatchRun`).
 */
export function contextFor(run: BatchRun, recordIndex: number): ProcessingContext {
  return {
    jobId: run.jobId,
    batchId: run.batchId,
    batchIndex: run.batchIndex,
    recordIndex,
    totalRecords: run.totalRecords,
    signal: run.signal,
  };
}
