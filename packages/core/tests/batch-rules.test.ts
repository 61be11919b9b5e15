import { describe, expect, it } from 'vitest';
import { InvalidOptionError } from '../src/errors/invalid-option-error';
import {
  checkReclaimArguments,
  countBatches,
  distributedStatusFromCounts,
  emptyBatchCounts,
  reclaimArgumentsError,
} from '../src/stores/batch-rules';

describe('reclaimStaleBatches argument checks', () => {
  it.each([
    [-1, undefined, 'timeoutMs', 'a finite number of milliseconds >= 0'],
    [Number.NaN, undefined, 'timeoutMs', 'a finite number of milliseconds >= 0'],
    [Number.POSITIVE_INFINITY, undefined, 'timeoutMs', 'a finite number of milliseconds >= 0'],
    ['10', undefined, 'timeoutMs', 'a finite number of milliseconds >= 0'],
    [0, 0, 'maxAttempts', 'an integer >= 1'],
    [0, 1.5, 'maxAttempts', 'an integer >= 1'],
    [0, '3', 'maxAttempts', 'an integer >= 1'],
  ])(
    'refuses timeoutMs %s, maxAttempts %s, naming %s',
    (timeoutMs, maxAttempts, option, expected) => {
      const error = reclaimArgumentsError(timeoutMs, maxAttempts);
      expect(error).toBeInstanceOf(InvalidOptionError);
      expect(error?.option).toBe(option);
      expect(error?.message).toContain(`expected ${expected}`);
      expect(() => {
        checkReclaimArguments(timeoutMs, maxAttempts);
      }).toThrow(error?.message);
    },
  );

  it.each([
    [0, undefined],
    [0, 1],
    [15_000, 5],
    [0.5, undefined],
  ])('accepts timeoutMs %s, maxAttempts %s', (timeoutMs, maxAttempts) => {
    expect(reclaimArgumentsError(timeoutMs, maxAttempts)).toBeUndefined();
    expect(() => {
      checkReclaimArguments(timeoutMs, maxAttempts);
    }).not.toThrow();
  });
});

describe('batch status counts', () => {
  const status = (entries: [string, number][]) => {
    const counts = emptyBatchCounts();
    for (const [s, n] of entries) countBatches(counts, s, n);
    return distributedStatusFromCounts('job', counts);
  };

  it('counts each status, PAUSED and unknown ones as pending', () => {
    expect(
      status([
        ['PENDING', 1],
        ['PAUSED', 2],
        ['SOMETHING', 1],
        ['PROCESSING', 3],
        ['COMPLETED', 4],
        ['FAILED', 5],
      ]),
    ).toStrictEqual({
      jobId: 'job',
      totalBatches: 16,
      pendingBatches: 4,
      processingBatches: 3,
      completedBatches: 4,
      failedBatches: 5,
      isComplete: false,
    });
  });

  it('is complete only when nothing is pending and nothing is processing', () => {
    expect(status([['COMPLETED', 2]]).isComplete).toBe(true);
    expect(status([['FAILED', 1]]).isComplete).toBe(true);
    expect(status([]).isComplete).toBe(true);
    expect(
      status([
        ['COMPLETED', 2],
        ['PENDING', 1],
      ]).isComplete,
    ).toBe(false);
    expect(
      status([
        ['COMPLETED', 2],
        ['PROCESSING', 1],
      ]).isComplete,
    ).toBe(false);
    expect(
      status([
        ['PENDING', 1],
        ['PROCESSING', 1],
      ]).isComplete,
    ).toBe(false);
  });

  it('counts one batch when no number is given', () => {
    const counts = emptyBatchCounts();
    countBatches(counts, 'COMPLETED');
    expect(counts).toStrictEqual({ pending: 0, processing: 0, completed: 1, failed: 0 });
  });
});
