import type {
  BulkProcessor,
  ParsedRecord,
  ProcessingContext,
  RecordProcessorFn,
} from '@batchactions/core';
import type { RateGate } from './rate-gate';

/**
 * `processor` behind the batch's rate gate: each call (each retry too: every call reaches the
 * target) first takes a token, and the context gets `throttle`. The wait for a token is outside
 * `recordTimeoutMs` (wrap the time-limited processor).
 */
export function gateRecordProcessor(
  processor: RecordProcessorFn,
  gate: RateGate,
): RecordProcessorFn {
  const throttle = (ms: number) => gate.throttle(ms);
  const gated = async (record: ParsedRecord, context: ProcessingContext): Promise<void> => {
    await gate.take(1);
    await processor(record, withThrottle(context, throttle));
  };
  // A job without a rate (the gate takes no token), or a record whose token is ready, calls the
  // processor at once: no extra promise or wait per record.
  return (record, context) =>
    gate.unlimited || gate.takeNow()
      ? processor(record, withThrottle(context, throttle))
      : gated(record, context);
}

/**
 * The processor's context: the pipeline's fields and `throttle`, in a new object (the processor
 * gets a context object of its own). Built field by field: the pipeline's context always has
 * exactly these fields, and a literal is much cheaper than a spread.
 */
function withThrottle(
  context: ProcessingContext,
  throttle: (ms: number) => Promise<void>,
): ProcessingContext {
  return {
    jobId: context.jobId,
    batchId: context.batchId,
    batchIndex: context.batchIndex,
    recordIndex: context.recordIndex,
    totalRecords: context.totalRecords,
    signal: context.signal,
    throttle,
  };
}

/** Bulk mode: one token per record handed to `processBatch`, taken before the call. */
export function gateBulkProcessor(bulk: BulkProcessor, gate: RateGate): BulkProcessor {
  const throttle = (ms: number) => gate.throttle(ms);
  return {
    processBatch: async (records, context) => {
      await gate.take(records.length);
      return bulk.processBatch(records, { ...context, throttle });
    },
  };
}
