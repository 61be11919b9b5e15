import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { LeaseLostError, type BatchLease, type DistributedStateStore } from '@batchactions/core';
import { LeaseKeeper } from '../../src/process/lease-keeper';

const lease: BatchLease = { jobId: 'job', batchId: 'b0', workerId: 'w1', attempt: 2 };

/** A store whose heartbeats the test answers one by one. */
function heartbeatStore() {
  const calls: BatchLease[] = [];
  const answers: { resolve: () => void; reject: (e: unknown) => void }[] = [];
  const store = {
    heartbeatBatch: (l: BatchLease) => {
      calls.push(l);
      return new Promise<void>((resolve, reject) => answers.push({ resolve, reject }));
    },
  } as unknown as DistributedStateStore;
  return { store, calls, answers };
}

describe('LeaseKeeper', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('heartbeats the lease every interval, one beat at a time, until stopped', async () => {
    const { store, calls, answers } = heartbeatStore();
    const keeper = new LeaseKeeper(store, lease, 100, undefined, () => undefined);
    await vi.advanceTimersByTimeAsync(99);
    expect(calls).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(calls).toEqual([lease]);
    // A beat still in flight is not doubled by the next tick.
    await vi.advanceTimersByTimeAsync(250);
    expect(calls).toHaveLength(1);
    answers[0]!.resolve();
    await vi.advanceTimersByTimeAsync(100);
    expect(calls).toHaveLength(2);
    let stopped = false;
    const stopping = keeper.stop().then(() => (stopped = true));
    await vi.advanceTimersByTimeAsync(0);
    // stop() waits for the beat in flight.
    expect(stopped).toBe(false);
    answers[1]!.resolve();
    await stopping;
    await vi.advanceTimersByTimeAsync(1000);
    expect(calls).toHaveLength(2);
    expect(keeper.signal.aborted).toBe(false);
  });

  it('aborts the signal with the LeaseLostError and stops beating when the lease is lost', async () => {
    const { store, calls, answers } = heartbeatStore();
    const keeper = new LeaseKeeper(store, lease, 50, undefined, () => undefined);
    await vi.advanceTimersByTimeAsync(50);
    const lost = new LeaseLostError('job', 'b0', 'w1', 2);
    answers[0]!.reject(lost);
    await vi.advanceTimersByTimeAsync(0);
    expect(keeper.signal.aborted).toBe(true);
    expect(keeper.signal.reason).toBe(lost);
    expect(keeper.lostWith).toBe(lost);
    await vi.advanceTimersByTimeAsync(500);
    expect(calls).toHaveLength(1);
    await keeper.stop();
  });

  it('reports other heartbeat errors as retried and keeps beating', async () => {
    const { store, calls, answers } = heartbeatStore();
    const reported: unknown[] = [];
    const keeper = new LeaseKeeper(store, lease, 50, undefined, (e) => reported.push(e));
    await vi.advanceTimersByTimeAsync(50);
    const dropped = new Error('connection reset');
    answers[0]!.reject(dropped);
    await vi.advanceTimersByTimeAsync(0);
    expect(reported).toEqual([dropped]);
    expect(keeper.signal.aborted).toBe(false);
    expect(keeper.lostWith).toBeUndefined();
    await vi.advanceTimersByTimeAsync(50);
    expect(calls).toHaveLength(2);
    answers[1]!.resolve();
    await keeper.stop();
  });

  it('does not heartbeat without a lease, or on a store without heartbeatBatch', async () => {
    const { store, calls } = heartbeatStore();
    const noLease = new LeaseKeeper(store, undefined, 10, undefined, () => undefined);
    const plain = new LeaseKeeper(
      {} as DistributedStateStore,
      lease,
      10,
      undefined,
      () => undefined,
    );
    await vi.advanceTimersByTimeAsync(100);
    expect(calls).toHaveLength(0);
    await noLease.stop();
    await plain.stop();
  });

  it("follows the caller's signal: already aborted, aborted later, and detached once stopped", async () => {
    const { store } = heartbeatStore();
    const early = new AbortController();
    early.abort('stop now');
    const a = new LeaseKeeper(store, undefined, 10, early.signal, () => undefined);
    expect(a.signal.aborted).toBe(true);
    expect(a.signal.reason).toBe('stop now');

    const later = new AbortController();
    const b = new LeaseKeeper(store, undefined, 10, later.signal, () => undefined);
    expect(b.signal.aborted).toBe(false);
    later.abort('cancelled');
    expect(b.signal.reason).toBe('cancelled');

    const shared = new AbortController();
    const c = new LeaseKeeper(store, undefined, 10, shared.signal, () => undefined);
    await c.stop();
    shared.abort('after the batch');
    expect(c.signal.aborted).toBe(false);

    const d = new LeaseKeeper(store, undefined, 10, undefined, () => undefined);
    d.abort('job cancelled');
    expect(d.signal.reason).toBe('job cancelled');
    await Promise.all([a.stop(), b.stop(), d.stop()]);
  });
});
