/** Outcome of running the processor for one record, retries included. */
export type AttemptOutcome =
  | { readonly ok: true; readonly retries: number }
  | { readonly ok: false; readonly retries: number; readonly error: unknown };

/** Settings of `runWithRetries`. */
export interface RetryPolicy {
  readonly maxRetries: number;
  /** Delay before the first retry; doubled for each further one. */
  readonly retryDelayMs: number;
  readonly signal: AbortSignal;
  /** Told before each retry (1-based attempt number, the delay, the error that caused it). */
  readonly onRetry?: (attempt: number, delayMs: number, error: unknown) => void;
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

/** Calls `fn` until it succeeds or `maxRetries` retries failed, with exponential backoff. */
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
      const delayMs = policy.retryDelayMs * 2 ** (retries - 1);
      policy.onRetry?.(retries, delayMs, error);
      await wait(delayMs, policy.signal);
    }
  }
}

/** The message of an error or a thrown value. */
export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  if (typeof error === 'string') return error;
  try {
    return JSON.stringify(error);
  } catch (stringifyError) {
    return `${String(error)} (not serialisable: ${errorMessage(stringifyError)})`;
  }
}
