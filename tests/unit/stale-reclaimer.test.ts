import { describe, expect, it } from 'vitest';
import { InMemoryDistributedStateStore, type DistributedStateStore } from '@batchactions/core';
import type { DistributedSettings } from '../../src/config';
import { reclaimAfterMs, StaleReclaimer } from '../../src/process/stale-reclaimer';
import { publishedPortOnly } from '../support/stores';

const settings = (leaseTimeoutMs: number, staleBatchTimeoutMs: number) =>
  ({ leaseTimeoutMs, staleBatchTimeoutMs, maxBatchAttempts: 4 }) as DistributedSettings;

/** The store, noting the arguments of every sweep (either method). */
function sweeps(store: DistributedStateStore) {
  const calls: unknown[][] = [];
  const watched = new Proxy(store, {
    get: (target, key) => {
      const value = Reflect.get(target, key) as unknown;
      if (key === 'reclaimStaleBatches') {
        return (...args: unknown[]) => {
          calls.push(args);
          return Promise.resolve(0);
        };
      }
      if (key === 'sweepStaleBatches' && value !== undefined) {
        return (...args: unknown[]) => {
          calls.push(args);
          return Promise.resolve({ reclaimed: 0, quarantined: 0 });
        };
      }
      return typeof value === 'function'
        ? (value as (...a: unknown[]) => unknown).bind(target)
        : value;
    },
  });
  return { store: watched, calls };
}

describe('reclaimAfterMs', () => {
  it('takes the smaller of lease and stale timeout on fenced stores, the stale timeout otherwise', () => {
    expect(reclaimAfterMs(settings(15_000, 900_000), true)).toBe(15_000);
    expect(reclaimAfterMs(settings(15_000, 5_000), true)).toBe(5_000);
    expect(reclaimAfterMs(settings(15_000, 900_000), false)).toBe(900_000);
    expect(reclaimAfterMs(settings(15_000, 5_000), false)).toBe(5_000);
  });
});

describe('StaleReclaimer', () => {
  it('sweeps with the lease timeout and maxBatchAttempts on a fenced store', async () => {
    const { store, calls } = sweeps(new InMemoryDistributedStateStore());
    const reclaimer = new StaleReclaimer(store, settings(15_000, 900_000));
    await reclaimer.sweep('job');
    expect(calls).toEqual([['job', 15_000, 4]]);
  });

  it('sweeps with the published timeout and no attempt limit on a published-port store', async () => {
    const { store, calls } = sweeps(publishedPortOnly(new InMemoryDistributedStateStore()));
    const reclaimer = new StaleReclaimer(store, settings(15_000, 900_000));
    await reclaimer.sweep('job');
    expect(calls).toEqual([['job', 900_000, undefined]]);
  });

  it('is due at once, then every tenth of the timeout, per job', async () => {
    const reclaimer = new StaleReclaimer(
      new InMemoryDistributedStateStore(),
      settings(5_000, 900_000),
    );
    expect(reclaimer.isDue('job', 0)).toBe(true);
    const before = Date.now();
    await reclaimer.sweep('job');
    const after = Date.now();
    // Interval: min(1000, 5000 / 10) = 500 ms after the sweep.
    expect(reclaimer.isDue('job', before + 499 - (after - before))).toBe(false);
    expect(reclaimer.isDue('job', after + 500)).toBe(true);
    expect(reclaimer.isDue('other-job', after)).toBe(true);
  });

  it('caps the sweep interval at one second', async () => {
    const reclaimer = new StaleReclaimer(
      new InMemoryDistributedStateStore(),
      settings(60_000, 900_000),
    );
    await reclaimer.sweep('job');
    const after = Date.now();
    expect(reclaimer.isDue('job', after + 1000)).toBe(true);
    expect(reclaimer.isDue('job', after - 1)).toBe(false);
  });
});
