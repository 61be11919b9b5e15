/** One piece of work on a connection: run synchronously, then report. */
export interface Operation {
  /** Does the work; throws what better-sqlite3 throws. */
  readonly execute: () => unknown;
  /** Reports the outcome (calls the caller's callback). */
  readonly finish: (error: Error | null, result: unknown) => void;
}

/**
 * Pauses between attempts at a locked database, in milliseconds: the steps SQLite's own busy
 * handler sleeps, the last one repeated.
 */
const RETRY_STEPS_MS = [1, 2, 5, 10, 15, 20, 25, 25, 25, 50, 50, 100];

function isBusy(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('SQLITE_BUSY');
}

/**
 * Runs a connection's operations one at a time in call order, each in a later turn of the event
 * loop (as `sqlite3` calls back asynchronously). A locked database (`SQLITE_BUSY`) is retried
 * on a timer until `busyTimeoutMs` has passed since the first refusal, with later operations
 * waiting behind it. better-sqlite3's own busy timeout would block the event loop while it
 * waits, so that a transaction of the same process holding the lock could never commit.
 */
export class OperationQueue {
  private readonly pending: Operation[] = [];
  /** A drain is scheduled or running: operations pushed meanwhile are picked up by it. */
  private active = false;
  private refusedSince: number | undefined;
  private retries = 0;

  constructor(private readonly busyTimeoutMs: number) {}

  push(operation: Operation): void {
    this.pending.push(operation);
    if (!this.active) {
      this.active = true;
      setImmediate(() => {
        this.drain();
      });
    }
  }

  private drain(): void {
    for (let next = this.pending[0]; next !== undefined; next = this.pending[0]) {
      let error: Error | null = null;
      let result: unknown;
      try {
        result = next.execute();
      } catch (thrown) {
        if (isBusy(thrown) && this.mayWaitLonger()) {
          const pause = RETRY_STEPS_MS[Math.min(this.retries, RETRY_STEPS_MS.length - 1)];
          this.retries += 1;
          setTimeout(() => {
            this.drain();
          }, pause);
          return;
        }
        error = thrown instanceof Error ? thrown : new Error(String(thrown));
      }
      this.refusedSince = undefined;
      this.retries = 0;
      this.pending.shift();
      try {
        next.finish(error, result);
      } catch (callbackError) {
        // A callback that throws is the caller's bug: surface it as sqlite3 does (an uncaught
        // exception), without stopping the operations queued behind it.
        process.nextTick(() => {
          throw callbackError;
        });
      }
    }
    this.active = false;
  }

  private mayWaitLonger(): boolean {
    const now = Date.now();
    this.refusedSince ??= now;
    return now - this.refusedSince < this.busyTimeoutMs;
  }
}
