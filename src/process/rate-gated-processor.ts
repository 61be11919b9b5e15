import type { BulkProcessor, RecordProcessorFn } from '@batchactions/core';
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
  return async (record, context) => {
    await gate.take(1);
    await processor(record, { ...context, throttle });
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
