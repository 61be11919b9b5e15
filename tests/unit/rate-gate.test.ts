import { describe, expect, it } from 'vitest';
import {
  InMemoryDistributedStateStore,
  type DistributedStateStore,
  type RateLeaseGrant,
  type TokenLease,
} from '@batchactions/core';
import { RateGate } from '../../src/process/rate-gate';

/** An in-memory store whose `leaseRateTokens` answers only when the test says so. */
function heldLeases(): {
  store: DistributedStateStore;
  leases: ((lease: TokenLease) => void)[];
} {
  const inner = new InMemoryDistributedStateStore();
  const leases: ((lease: TokenLease) => void)[] = [];
  const store = new Proxy(inner, {
    get: (target, key) => {
      if (key === 'leaseRateTokens') {
        return () => new Promise<TokenLease>((resolve) => leases.push(resolve));
      }
      const value = Reflect.get(target, key) as unknown;
      return typeof value === 'function' ? (value as () => unknown).bind(target) : value;
    },
  });
  return { store, leases };
}

function gate(
  store: DistributedStateStore,
  firstLease: RateLeaseGrant | undefined,
  state: { paused?: boolean; signal?: AbortSignal } = {},
): RateGate {
  return new RateGate({
    store,
    jobId: 'job',
    rateLimited: true,
    ...(firstLease ? { firstLease } : {}),
    records: 10,
    signal: state.signal ?? new AbortController().signal,
    paused: () => state.paused ?? false,
    pausedCheckMs: 10,
  });
}

describe('RateGate.takeNow: a token taken without a promise only when no wait is due', () => {
  it('takes the ready tokens of the lease, then leaves the next one to take()', () => {
    const g = gate(heldLeases().store, { granted: 3, waitMs: 0, intervalMs: 0 });
    expect([g.takeNow(), g.takeNow(), g.takeNow(), g.takeNow()]).toEqual([true, true, true, false]);
  });

  it('waits for the time slot: a lease whose tokens start later is not taken now', () => {
    const g = gate(heldLeases().store, { granted: 3, waitMs: 60_000, intervalMs: 0 });
    expect(g.takeNow()).toBe(false);
  });

  it('spaces the tokens by the interval: the second token of a slow rate is not ready at once', () => {
    const g = gate(heldLeases().store, { granted: 3, waitMs: 0, intervalMs: 60_000 });
    expect(g.takeNow()).toBe(true);
    expect(g.takeNow()).toBe(false);
  });

  it('never jumps a queued take(), and takes no token while paused or aborted', async () => {
    const { store, leases } = heldLeases();
    const state = { paused: false };
    const g = gate(store, undefined, state);
    // No lease yet: take() asks the store, and takeNow stays behind it even once tokens came.
    const queued = g.take(1);
    await new Promise((resolve) => setImmediate(resolve));
    expect(leases).toHaveLength(1);
    expect(g.takeNow()).toBe(false);
    leases[0]?.({ limited: true, granted: 3, waitMs: 0, intervalMs: 0 });
    await queued;
    state.paused = true;
    expect(g.takeNow()).toBe(false);
    state.paused = false;
    expect(g.takeNow()).toBe(true);

    const controller = new AbortController();
    const aborted = gate(
      store,
      { granted: 3, waitMs: 0, intervalMs: 0 },
      {
        signal: controller.signal,
      },
    );
    controller.abort(new Error('cancelled'));
    expect(aborted.takeNow()).toBe(false);
  });

  it('a job without a rate takes nothing (the processor is called without the gate)', () => {
    const g = new RateGate({
      store: heldLeases().store,
      jobId: 'job',
      rateLimited: false,
      records: 10,
      signal: new AbortController().signal,
      paused: () => false,
      pausedCheckMs: 10,
    });
    expect(g.unlimited).toBe(true);
    expect(g.takeNow()).toBe(false);
  });
});
