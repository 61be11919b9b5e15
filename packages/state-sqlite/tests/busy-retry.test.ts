import { describe, expect, it } from 'vitest';
import { isBusyError, retryWhileBusy } from '../src/busy-retry';

const busy = () => Object.assign(new Error('database is locked'), { code: 'SQLITE_BUSY' });

describe('retryWhileBusy', () => {
  it('retries SQLITE_BUSY until the work succeeds', async () => {
    let calls = 0;
    const result = await retryWhileBusy(() => {
      calls += 1;
      if (calls < 3) throw busy();
      return 'done';
    }, 10_000);
    expect([result, calls]).toEqual(['done', 3]);
  });

  it('rethrows other errors at once', async () => {
    let calls = 0;
    const failure = new Error('no such table');
    await expect(
      retryWhileBusy(() => {
        calls += 1;
        throw failure;
      }, 10_000),
    ).rejects.toBe(failure);
    expect(calls).toBe(1);
  });

  it('gives up with the busy error once the timeout has passed', async () => {
    let calls = 0;
    await expect(
      retryWhileBusy(() => {
        calls += 1;
        throw busy();
      }, 0),
    ).rejects.toMatchObject({ code: 'SQLITE_BUSY' });
    expect(calls).toBe(1);
  });

  it('recognises the SQLITE_BUSY family only', () => {
    expect(isBusyError({ code: 'SQLITE_BUSY_SNAPSHOT' })).toBe(true);
    expect(isBusyError({ code: 'SQLITE_LOCKED' })).toBe(false);
    expect(isBusyError(new Error('SQLITE_BUSY'))).toBe(false);
    expect(isBusyError(null)).toBe(false);
  });
});
