import {
  RecordTimeoutError,
  type BulkProcessor,
  type ParsedRecord,
  type ProcessingContext,
  type RecordProcessorFn,
} from '@batchactions/core';

/**
 * Settles as `work` does, or rejects with the signal's reason as soon as `signal` aborts: the
 * worker stops waiting for a processor that ignores its signal (it cannot stop the code itself).
 * A call abandoned so keeps its handlers, so its later rejection is never unhandled.
 */
function untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) {
    work.catch(() => undefined); // abandoned: its outcome no longer matters
    return Promise.reject(signal.reason as Error);
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => {
      reject(signal.reason as Error);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- the processor's own error, unchanged
        reject(error);
      },
    );
  });
}

/** Starts `call` now (an async body runs at once); a synchronous throw becomes a rejection. */
async function start<T>(call: () => T | Promise<T>): Promise<T> {
  return await call();
}

function isThenable<T>(value: T | Promise<T>): value is Promise<T> {
  return (
    (typeof value === 'object' || typeof value === 'function') &&
    value !== null &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}

/**
 * One call without a time limit that ends when the batch stops (bulk calls): a result returned
 * without a promise is taken as it is, a promise is raced against the signal; a batch that
 * stopped meanwhile rejects with the signal's reason.
 */
function guardedCall<T>(
  call: (signal: AbortSignal) => T | Promise<T>,
  outer: AbortSignal,
): Promise<T> {
  let result: T | Promise<T>;
  try {
    result = call(outer);
  } catch (error) {
    // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- the processor's own error, unchanged
    return Promise.reject(error);
  }
  if (isThenable(result)) return untilAborted(result, outer);
  if (outer.aborted) return Promise.reject(outer.reason as Error);
  return Promise.resolve(result);
}

/**
 * One record processor call without a time limit that ends when the batch stops. A processor
 * that returns without a promise (synchronous work) is done when it returns: its result is
 * returned as it is, without racing the signal and without a promise (no listener, closure or
 * promise per record); one that returns a promise is raced against the signal. Either way a
 * batch that stopped meanwhile rejects with the signal's reason, as the race would, and a
 * synchronous throw becomes a rejection.
 */
function guardedRecordCall(
  processor: RecordProcessorFn,
  record: ParsedRecord,
  context: ProcessingContext,
): Promise<void> | void {
  const outer = context.signal;
  let result: Promise<void> | void;
  try {
    result = processor(record, context);
  } catch (error) {
    // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- the processor's own error, unchanged
    return Promise.reject(error);
  }
  if (isThenable(result)) return untilAborted(result, outer);
  if (outer.aborted) return Promise.reject(outer.reason as Error);
  return result;
}

/**
 * Runs one processor call with the batch's signal `outer` and, when `limitMs` is set, a time
 * limit: the call then gets a signal of its own that aborts with `timeout()` when the limit
 * passes (or with the batch's reason when the batch stops). Without a limit the call gets
 * `outer` itself.
 */
async function limitedCall<T>(
  call: (signal: AbortSignal) => T | Promise<T>,
  outer: AbortSignal,
  limitMs: number | undefined,
  timeout: () => Error,
): Promise<T> {
  if (limitMs === undefined) return guardedCall(call, outer);
  const controller = new AbortController();
  const onOuterAbort = (): void => {
    controller.abort(outer.reason);
  };
  if (outer.aborted) controller.abort(outer.reason);
  else outer.addEventListener('abort', onOuterAbort, { once: true });
  const timer = setTimeout(() => {
    controller.abort(timeout());
  }, limitMs);
  try {
    return await untilAborted(
      start(() => call(controller.signal)),
      controller.signal,
    );
  } finally {
    clearTimeout(timer);
    outer.removeEventListener('abort', onOuterAbort);
  }
}

/**
 * The record processor as the pipeline calls it: each call ends when the processor settles,
 * when its batch stops (cancel, lost lease, shutdown: the call rejects with that reason), or
 * after `limitMs` (`recordTimeoutMs`; it rejects with `RecordTimeoutError`). Without a limit
 * the processor gets the very context object the pipeline built.
 */
export function limitRecordProcessor(
  processor: RecordProcessorFn,
  limitMs: number | undefined,
): RecordProcessorFn {
  // Without a limit: the guarded call itself, without `limitedCall`'s extra promise per record.
  if (limitMs === undefined) {
    return (record, context) => guardedRecordCall(processor, record, context);
  }
  return (record, context) =>
    limitedCall(
      (signal) => processor(record, signal === context.signal ? context : { ...context, signal }),
      context.signal,
      limitMs,
      () => new RecordTimeoutError([context.recordIndex], limitMs),
    );
}

/**
 * The bulk processor with the same guards; one `processBatch` call may take `limitMs` per
 * record handed to it.
 */
export function limitBulkProcessor(
  bulk: BulkProcessor,
  limitMs: number | undefined,
): BulkProcessor {
  return {
    processBatch: (records, context) => {
      const total = limitMs === undefined ? undefined : limitMs * Math.max(1, records.length);
      return limitedCall(
        (signal) =>
          bulk.processBatch(records, signal === context.signal ? context : { ...context, signal }),
        context.signal,
        total,
        () => new RecordTimeoutError(context.recordIndexes, total ?? 0),
      );
    },
  };
}
