import { errorMessage } from './error-message';

/** Settings of {@link runWithRetries}. */
export interface RetryPolicy {
  /** Retries after the first attempt (so up to `1 + maxRetries` attempts). */
  readonly maxRetries: number;
  /** Wait before the first retry; doubled for each further one (1×, 2×, 4×…). */
  readonly retryDelayMs: number;
  /** Aborting it cuts a backoff wait short and stops retrying. */
  readonly signal?: AbortSignal;
  /** Told after each failed attempt that will be retried: the attempt that failed (1-based), the wait, the error. */
  readonly onRetry?: (attempt: number, delayMs: number, error: unknown) => void;
}

/** What {@link runWithRetries} ended with. `attempts` counts calls made (≥ 1). */
export type AttemptOutcome =
  | { readonly ok: true; readonly attempts: number }
  | {
      readonly ok: false;
      readonly attempts: number;
      readonly error: unknown;
      readonly message: string;
    };

/** The published backoff: `retryDelayMs × 2^(attempt − 1)` after attempt `attempt` failed. */
export function backoffDelay(retryDelayMs: number, failedAttempt: number): number {
  return retryDelayMs * 2 ** (failedAttempt - 1);
}

/** Resolves after `ms`, or as soon as `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (ms <= 0 || signal?.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const finish = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', finish);
      resolve();
    };
    const timer = setTimeout(finish, ms);
    signal?.addEventListener('abort', finish, { once: true });
  });
}

/**
 * Calls `fn` until it succeeds or `1 + maxRetries` attempts failed, waiting the published
 * backoff between attempts. An abort during a wait ends the retries (the last error stands).
 */
export async function runWithRetries(
  fn: () => unknown,
  policy: RetryPolicy,
): Promise<AttemptOutcome> {
  try {
    await fn();
    return FIRST_ATTEMPT_OK;
  } catch (error) {
    return await retryAfterFailure(fn, policy, error);
  }
}

const FIRST_ATTEMPT_OK: AttemptOutcome = { ok: true, attempts: 1 };

/**
 * {@link runWithRetries} after its first attempt failed with `firstError` (made by the caller):
 * the published backoff, then further calls of `fn`. For callers that make the first call
 * themselves, so that a record whose processor succeeds at once costs no retry machinery.
 */
export async function retryAfterFailure(
  fn: () => unknown,
  policy: RetryPolicy,
  firstError: unknown,
): Promise<AttemptOutcome> {
  let error = firstError;
  for (let attempt = 1; ; attempt++) {
    if (attempt > policy.maxRetries || policy.signal?.aborted) {
      return { ok: false, attempts: attempt, error, message: errorMessage(error) };
    }
    const delayMs = backoffDelay(policy.retryDelayMs, attempt);
    policy.onRetry?.(attempt, delayMs, error);
    await sleep(delayMs, policy.signal);
    if (policy.signal?.aborted) {
      return { ok: false, attempts: attempt, error, message: errorMessage(error) };
    }
    try {
      await fn();
      return { ok: true, attempts: attempt + 1 };
    } catch (next) {
      error = next;
    }
  }
}
