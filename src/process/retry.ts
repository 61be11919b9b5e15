/** Outcome of running the processor for one record (or one bulk call), retries included. */
export type AttemptOutcome =
  | { readonly ok: true; readonly retries: number }
  | { readonly ok: false; readonly retries: number; readonly error: unknown };

/** Settings of `runWithRetries`. */
export interface RetryPolicy {
  readonly maxRetries: number;
  /** Delay before the first retry; doubled for each further one. */
  readonly retryDelayMs: number;
  /** Once aborted, no further attempt is made and a pending backoff wait ends. */
  readonly signal: AbortSignal;
  /** Told after each failed attempt that will be retried (1-based number of that attempt). */
  readonly onRetry?: (attempt: number, error: unknown) => void;
}

function wait(ms: number, signal: AbortSignal): Promise<void> {
  if (ms <= 0 || signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

/**
 * Calls `fn` up to `1 + maxRetries` times until it succeeds. After failed attempt `n` (not the
 * last) it reports the retry, then waits `retryDelayMs × 2^(n−1)` ms, as published.
 */
export async function runWithRetries(
  fn: () => Promise<void> | void,
  policy: RetryPolicy,
): Promise<AttemptOutcome> {
  let retries = 0;
  for (;;) {
    try {
      await fn();
      return { ok: true, retries };
    } catch (error) {
      if (retries >= policy.maxRetries || policy.signal.aborted) {
        return { ok: false, retries, error };
      }
      retries += 1;
      policy.onRetry?.(retries, error);
      await wait(policy.retryDelayMs * 2 ** (retries - 1), policy.signal);
    }
  }
}
