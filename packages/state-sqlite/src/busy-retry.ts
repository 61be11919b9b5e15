/** True for SQLite's "database is locked" family (`SQLITE_BUSY`, `SQLITE_BUSY_SNAPSHOT`...). */
export function isBusyError(error: unknown): boolean {
  if (typeof error !== 'object' || error === null || !('code' in error)) return false;
  const { code } = error;
  return typeof code === 'string' && code.startsWith('SQLITE_BUSY');
}

const sleep = (ms: number) =>
  new Promise<void>((resolve) => {
    setTimeout(resolve, ms);
  });

/**
 * Runs `work`, retrying while it fails with SQLITE_BUSY, for up to `timeoutMs`. SQLite skips the
 * busy handler when waiting could deadlock: e.g. when several processes switch a fresh file to
 * WAL at once, all but one get SQLITE_BUSY immediately. Waits with jittered backoff between
 * attempts (5 ms doubling, capped at 100 ms).
 */
export async function retryWhileBusy<T>(work: () => T, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (let attempt = 0; ; attempt += 1) {
    try {
      return work();
    } catch (error) {
      if (!isBusyError(error) || Date.now() >= deadline) throw error;
      await sleep(Math.min(100, 5 * 2 ** attempt) * (0.5 + Math.random()));
    }
  }
}
