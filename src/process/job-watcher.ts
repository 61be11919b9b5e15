import { JobCancelledError, JobStatus, type DistributedStateStore } from '@batchactions/core';

/**
 * Watches the job of a running batch for cancellation, so the processor's signal aborts within
 * `intervalMs` of `cancel()` from any process. Needs the store's optional `getJobStatus`;
 * without it, workers still see the cancellation on their next claim.
 */
export class JobWatcher {
  private timer: NodeJS.Timeout | undefined;
  private checkInFlight: Promise<void> | undefined;
  /** Set once the job was seen ABORTED. */
  cancelled: JobCancelledError | undefined;
  /** Whether the last check saw the job PAUSED (a rate-limited batch holds its tokens then). */
  paused = false;

  constructor(
    private readonly store: DistributedStateStore,
    private readonly jobId: string,
    intervalMs: number,
    private readonly onCancel: (error: JobCancelledError) => void,
    private readonly reportRetriedError: (error: unknown) => void,
  ) {
    if (!store.getJobStatus) return;
    this.timer = setInterval(() => {
      this.checkInFlight ??= this.check().finally(() => {
        this.checkInFlight = undefined;
      });
    }, intervalMs);
    this.timer.unref();
  }

  private async check(): Promise<void> {
    if (!this.store.getJobStatus) return;
    try {
      const status = await this.store.getJobStatus(this.jobId);
      this.paused = status === JobStatus.PAUSED;
      if (status !== JobStatus.ABORTED) return;
    } catch (error) {
      // A failed check (a dropped connection) is reported and tried again on the next tick.
      this.reportRetriedError(error);
      return;
    }
    this.cancelled = new JobCancelledError(this.jobId);
    this.onCancel(this.cancelled);
    this.stopTimer();
  }

  private stopTimer(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Stops watching and waits for a check in flight. */
  async stop(): Promise<void> {
    this.stopTimer();
    await this.checkInFlight;
  }
}
