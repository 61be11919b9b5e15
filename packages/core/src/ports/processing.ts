import type { ParsedRecord, ProcessedRecord, RawRecord } from '../model/record';

/** What the processor and hooks know about the record they are handed. */
export interface ProcessingContext {
  readonly jobId: string;
  readonly batchId: string;
  readonly batchIndex: number;
  readonly recordIndex: number;
  /** Total records of the whole job. */
  readonly totalRecords: number;
  /**
   * Aborted when the worker loses its lease on the batch, is shut down, or its deadline passes.
   * Pass it to `fetch` and database drivers so abandoned work stops.
   */
  readonly signal: AbortSignal;
  /** The worker processing the batch. */
  readonly workerId?: string;
  /**
   * Addition (issue 27): tells the whole job to slow down, e.g. on an HTTP 429 with
   * `Retry-After`: no worker of the job spends a rate token for `ms`, and the job's rate halves,
   * then grows back over ten windows. Resolves once recorded in the store (on stores without
   * job-wide limits: after this worker waited `ms`). Present when the worker provides it
   * (`DistributedImport` always does); absent in other runners.
   */
  readonly throttle?: (ms: number) => Promise<void>;
}

/** The user's code for one record. Throwing (or rejecting) marks the record failed. */
export type RecordProcessorFn = (
  record: ParsedRecord,
  context: ProcessingContext,
) => Promise<void> | void;

/** Context handed to lifecycle hooks; same fields as the processor's. */
export type HookContext = ProcessingContext;

/**
 * Lifecycle hooks run for each record, in this order: `beforeValidate` → validation →
 * `afterValidate` → `beforeProcess` → processor → `afterProcess`. A hook that throws marks the
 * record failed (it does not stop the batch unless `continueOnError` is false).
 */
export interface JobHooks {
  /** Rewrites the raw record before validation. */
  beforeValidate?: (record: RawRecord, context: HookContext) => RawRecord | Promise<RawRecord>;
  /** Sees (and may replace) the validated record, valid or not. */
  afterValidate?: (
    record: ProcessedRecord,
    context: HookContext,
  ) => ProcessedRecord | Promise<ProcessedRecord>;
  /** Rewrites the parsed record just before the processor gets it. */
  beforeProcess?: (
    record: ParsedRecord,
    context: HookContext,
  ) => ParsedRecord | Promise<ParsedRecord>;
  /** Runs after the processor succeeded. */
  afterProcess?: (record: ProcessedRecord, context: HookContext) => void | Promise<void>;
}

/** What a bulk processor knows about the batch it is handed. */
export interface BatchProcessingContext {
  readonly jobId: string;
  readonly batchId: string;
  readonly batchIndex: number;
  /** Source index of each record handed over, in the same order as the records. */
  readonly recordIndexes: readonly number[];
  /** Total records of the whole job. */
  readonly totalRecords: number;
  /** Aborted when the worker loses its lease, is shut down, or the job is cancelled. */
  readonly signal: AbortSignal;
  readonly workerId?: string;
  /**
   * Addition (issue 27): tells the whole job to slow down, e.g. on an HTTP 429 with
   * `Retry-After`: no worker of the job spends a rate token for `ms`, and the job's rate halves,
   * then grows back over ten windows. Resolves once recorded in the store (on stores without
   * job-wide limits: after this worker waited `ms`). Present when the worker provides it
   * (`DistributedImport` always does); absent in other runners.
   */
  readonly throttle?: (ms: number) => Promise<void>;
}

/**
 * The outcome of one record in a bulk call: `undefined`, `null` or `true` when it was processed;
 * an `Error` or a message when it failed.
 */
export type RecordOutcome = true | null | undefined | Error | string;

/**
 * User code for a whole batch at once (a bulk insert, one API call for many records). It gets
 * the batch's valid records after hooks. Returning nothing marks them all processed; returning
 * an array (one outcome per record, in order) marks each; throwing fails them all after the
 * configured retries.
 */
export type BatchProcessorFn = (
  records: readonly ParsedRecord[],
  context: BatchProcessingContext,
) => Promise<BatchProcessorReturn> | BatchProcessorReturn;

/** What a bulk processor returns: nothing (all processed) or one outcome per record. */
// eslint-disable-next-line @typescript-eslint/no-invalid-void-type -- `async () => {}` must fit
export type BatchProcessorReturn = readonly RecordOutcome[] | undefined | void;

/** Pass `{ processBatch }` instead of a record processor to process each batch in one call. */
export interface BulkProcessor {
  readonly processBatch: BatchProcessorFn;
}
