import { backoffDelay, runWithRetries } from '@batchactions/core';
import { describe, expect, it } from 'vitest';

describe('published retry backoff (core 6.5 step 6)', () => {
  it('waits retryDelayMs × 2^(attempt − 1) after each failed attempt', () => {
    expect([1, 2, 3, 4].map((attempt) => backoffDelay(1000, attempt))).toEqual([
      1000, 2000, 4000, 8000,
    ]);
  });

  it('makes 1 + maxRetries attempts and reports each retry with its delay', async () => {
    const retries: [number, number, string][] = [];
    let calls = 0;
    const outcome = await runWithRetries(
      () => {
        calls += 1;
        throw new Error(`fail ${calls}`);
      },
      {
        maxRetries: 3,
        retryDelayMs: 0,
        onRetry: (attempt, delayMs, error) => retries.push([attempt, delayMs, String(error)]),
      },
    );
    expect(calls).toBe(4);
    expect(outcome).toMatchObject({ ok: false, attempts: 4, message: 'fail 4' });
    expect(retries.map(([attempt]) => attempt)).toEqual([1, 2, 3]);
  });

  it('stops at the first success', async () => {
    let calls = 0;
    const outcome = await runWithRetries(
      () => {
        calls += 1;
        if (calls < 2) throw new Error('once');
      },
      { maxRetries: 5, retryDelayMs: 0 },
    );
    expect(outcome).toEqual({ ok: true, attempts: 2 });
  });

  it('ends the retries when the signal aborts during a wait', async () => {
    const controller = new AbortController();
    let calls = 0;
    const outcome = await runWithRetries(
      () => {
        calls += 1;
        throw new Error('down');
      },
      {
        maxRetries: 5,
        retryDelayMs: 3_600_000,
        signal: controller.signal,
        onRetry: () => {
          controller.abort();
        },
      },
    );
    expect(calls).toBe(1);
    expect(outcome).toMatchObject({ ok: false, attempts: 1, message: 'down' });
  });

  it('converts thrown non-Errors with String(), as published', async () => {
    const outcome = await runWithRetries(
      () => {
        // eslint-disable-next-line @typescript-eslint/only-throw-error -- what users throw
        throw { code: 1 };
      },
      { maxRetries: 0, retryDelayMs: 0 },
    );
    expect(outcome).toMatchObject({ ok: false, message: '[object Object]' });
  });
});
