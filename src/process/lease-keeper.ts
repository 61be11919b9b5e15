import { LeaseLostError, type BatchLease, type DistributedStateStore } from '@batchactions/core';

/**
 * Keeps a worker's claim on its batch alive while it runs, and owns the batch's AbortSignal.
 * The signal aborts when the lease is lost (another worker now owns the batch), when the
 * caller's signal aborts, or when the keeper stops.
 */
export class LeaseKeeper {
  private readonly controller = new AbortController();
  private timer: NodeJS.Timeout | undefined;
  private heartbeatInFlight: Promise<void> | undefined;
  private detachOuter: (() => void) | undefined;
  /** Set when the lease was lost while the batch ran. */
  lostWith: LeaseLostError | undefined;

  constructor(
    private readonly store: DistributedStateStore,
    private readonly lease: BatchLease | undefined,
    intervalMs: number,
    outer: AbortSignal | undefined,
    private readonly reportRetriedError: (error: unknown) => void,
  ) {
    if (outer) {
      if (outer.aborted) this.controller.abort(outer.reason);
      else {
        const onOuterAbort = (): void => {
          this.controller.abort(outer.reason);
        };
        outer.addEventListener('abort', onOuterAbort, { once: true });
        // A worker hands the same signal to every batch: detach when the batch ends, or the
        // listeners (and the batches they hold) pile up for the life of the worker.
        this.detachOuter = () => {
          outer.removeEventListener('abort', onOuterAbort);
        };
      }
    }
    if (lease && store.heartbeatBatch) {
      this.timer = setInterval(() => {
        this.heartbeatInFlight ??= this.beat().finally(() => {
          this.heartbeatInFlight = undefined;
        });
      }, intervalMs);
      this.timer.unref();
    }
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** Aborts the batch's signal (for example when its job is cancelled). */
  abort(reason: unknown): void {
    this.controller.abort(reason);
  }

  private async beat(): Promise<void> {
    if (!this.lease || !this.store.heartbeatBatch) return;
    try {
      await this.store.heartbeatBatch(this.lease);
    } catch (error) {
      // A lost lease is final: stop the user's work. Other errors (a dropped connection) are
      // retried on the next beat; the fenced write at the end decides who owns the batch.
      if (error instanceof LeaseLostError) {
        this.lostWith = error;
        this.controller.abort(error);
        this.stopTimer();
      } else {
        this.reportRetriedError(error);
      }
    }
  }

  private stopTimer(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Stops heartbeating and waits for a beat in flight. */
  async stop(): Promise<void> {
    this.stopTimer();
    this.detachOuter?.();
    this.detachOuter = undefined;
    await this.heartbeatInFlight;
  }
}
