import { describe, expect, it } from 'vitest';
import { RecordTimeoutError, type ProcessingContext } from '@batchactions/core';
import { limitRecordProcessor } from '../../src/process/time-limit';

function contextWith(signal: AbortSignal): ProcessingContext {
  return {
    jobId: 'j',
    batchId: 'b',
    batchIndex: 0,
    recordIndex: 7,
    totalRecords: 10,
    signal,
  };
}

describe('processor calls without a time limit', () => {
  it('a synchronous processor: done when it returns (no promise), with the very context the pipeline built', () => {
    const context = contextWith(new AbortController().signal);
    const seen: ProcessingContext[] = [];
    const guarded = limitRecordProcessor((_record, c) => {
      seen.push(c);
    }, undefined);
    expect(guarded({ a: 1 }, context)).toBeUndefined();
    expect(seen).toEqual([context]);
    expect(seen[0]).toBe(context);
  });

  it('a synchronous throw becomes the rejection, with the same error', async () => {
    const error = new Error('bad row');
    const guarded = limitRecordProcessor(() => {
      throw error;
    }, undefined);
    await expect(guarded({}, contextWith(new AbortController().signal))).rejects.toBe(error);
  });

  it('a batch stopped during a synchronous call: the call rejects with the stop reason', async () => {
    const controller = new AbortController();
    const reason = new Error('lease lost');
    const guarded = limitRecordProcessor(() => {
      controller.abort(reason);
    }, undefined);
    await expect(guarded({}, contextWith(controller.signal))).rejects.toBe(reason);
  });

  it('a batch already stopped: the processor still runs (as before), the call rejects', async () => {
    const controller = new AbortController();
    const reason = new Error('cancelled');
    controller.abort(reason);
    let calls = 0;
    const guarded = limitRecordProcessor(() => {
      calls += 1;
    }, undefined);
    await expect(guarded({}, contextWith(controller.signal))).rejects.toBe(reason);
    expect(calls).toBe(1);
  });

  it('an asynchronous processor that ignores its signal: the call ends when the batch stops', async () => {
    const controller = new AbortController();
    const reason = new Error('shutdown');
    const guarded = limitRecordProcessor(() => new Promise<void>(() => undefined), undefined);
    const call = guarded({}, contextWith(controller.signal));
    controller.abort(reason);
    await expect(call).rejects.toBe(reason);
  });

  it('an asynchronous processor settles the call as it settles', async () => {
    const guarded = limitRecordProcessor(async () => {
      await Promise.resolve();
      throw new Error('async failure');
    }, undefined);
    await expect(guarded({}, contextWith(new AbortController().signal))).rejects.toThrow(
      'async failure',
    );
  });
});

describe('processor calls with a time limit', () => {
  it('fails the call with RecordTimeoutError naming the record, and aborts its signal', async () => {
    let signal: AbortSignal | undefined;
    const guarded = limitRecordProcessor((_record, c) => {
      signal = c.signal;
      return new Promise<void>(() => undefined);
    }, 20);
    const call = guarded({}, contextWith(new AbortController().signal));
    await expect(call).rejects.toBeInstanceOf(RecordTimeoutError);
    await expect(call).rejects.toMatchObject({ recordIndexes: [7] });
    expect(signal?.aborted).toBe(true);
  });
});
