import { describe, expect, it } from 'vitest';
import {
  InMemoryDistributedStateStore,
  InvalidOptionError,
  JobStatus,
  type JobProgress,
} from '@batchactions/core';
import {
  checkFailureThreshold,
  enforceFailureThreshold,
  thresholdBreach,
} from '../../src/control/failure-threshold';
import { publishedPortOnly } from '../support/stores';

const progress = (failedRecords: number, totalRecords: number) =>
  ({ failedRecords, totalRecords }) as JobProgress;

describe('checkFailureThreshold', () => {
  it('accepts undefined and valid thresholds as given', () => {
    expect(checkFailureThreshold(undefined)).toBeUndefined();
    const t = { count: 1, percentage: 100 };
    expect(checkFailureThreshold(t)).toBe(t);
    expect(checkFailureThreshold({ percentage: 0.5 })).toEqual({ percentage: 0.5 });
  });

  it.each([
    [null, 'failureThreshold', /an object with "count" and\/or "percentage"/],
    [5, 'failureThreshold', /an object/],
    [{}, 'failureThreshold', /at least one of "count" or "percentage"/],
    [{ count: 0 }, 'failureThreshold.count', /an integer >= 1/],
    [{ count: 1.5 }, 'failureThreshold.count', /an integer >= 1/],
    [{ count: '3' }, 'failureThreshold.count', /an integer >= 1/],
    [{ percentage: 0 }, 'failureThreshold.percentage', /a number in \(0, 100\]/],
    [{ percentage: 100.5 }, 'failureThreshold.percentage', /a number in \(0, 100\]/],
    [{ percentage: Number.NaN }, 'failureThreshold.percentage', /a number/],
    [{ percentage: '5' }, 'failureThreshold.percentage', /a number/],
  ])('refuses %j naming %s', (value, option, message) => {
    let error: unknown;
    try {
      checkFailureThreshold(value);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InvalidOptionError);
    expect((error as InvalidOptionError).option).toBe(option);
    expect((error as Error).message).toMatch(message);
  });
});

describe('thresholdBreach', () => {
  it('breaches on the count when failures reach it, not before', () => {
    expect(thresholdBreach({ count: 3 }, progress(2, 10))).toBeUndefined();
    expect(thresholdBreach({ count: 3 }, progress(3, 10))).toBe(
      '3 records failed, reaching the failure threshold of 3',
    );
  });

  it('breaches on the percentage when the share reaches it, with two decimals', () => {
    expect(thresholdBreach({ percentage: 30 }, progress(2, 10))).toBeUndefined();
    expect(thresholdBreach({ percentage: 30 }, progress(3, 10))).toBe(
      '3 of 10 records failed (30.00%), reaching the failure threshold of 30%',
    );
    expect(thresholdBreach({ percentage: 10 }, progress(1, 3))).toBe(
      '1 of 3 records failed (33.33%), reaching the failure threshold of 10%',
    );
  });

  it('never breaches a percentage of an empty job', () => {
    expect(thresholdBreach({ percentage: 1 }, progress(0, 0))).toBeUndefined();
  });

  it('checks the count first when both are given', () => {
    expect(thresholdBreach({ count: 2, percentage: 10 }, progress(2, 10))).toMatch(/^2 records/);
    expect(thresholdBreach({ count: 5, percentage: 10 }, progress(2, 10))).toMatch(/^2 of 10/);
  });
});

describe('enforceFailureThreshold', () => {
  async function jobWithFailures(store: InMemoryDistributedStateStore, status: JobStatus) {
    await store.saveJobState({
      id: 'job',
      config: { schema: { fields: [] }, batchSize: 1, continueOnError: true },
      status,
      batches: [],
      totalRecords: 2,
      startedAt: Date.now(),
    });
  }

  it('does nothing without a threshold or without updateJobStatus', async () => {
    const store = new InMemoryDistributedStateStore();
    await jobWithFailures(store, JobStatus.PROCESSING);
    expect(await enforceFailureThreshold(store, 'job', undefined)).toBeUndefined();
    expect(
      await enforceFailureThreshold(publishedPortOnly(store), 'job', { percentage: 1 }),
    ).toBeUndefined();
    expect((await store.getJobState('job'))?.status).toBe(JobStatus.PROCESSING);
  });
});
