import type { DistributedStateStore } from '@batchactions/core';

/**
 * Renews the prepare heartbeat of a job every `intervalMs` while `prepare` runs, so that other
 * processes can tell a live prepare from a dead one, and notices when the job stops being
 * prepared (cancelled or purged): `stopped` then turns true and `onStop` runs.
 */
export class PrepareHeartbeat {
  private timer: NodeJS.Timeout | undefined;
  private inFlight: Promise<void> | undefined;
  stopped = false;

  constructor(
    private readonly beat: () => Promise<boolean>,
    intervalMs: number,
    private readonly onStop: () => void,
    private readonly reportRetriedError: (error: unknown) => void,
  ) {
    this.timer = setInterval(() => {
      this.inFlight ??= this.tick().finally(() => {
        this.inFlight = undefined;
      });
    }, intervalMs);
    this.timer.unref();
  }

  private async tick(): Promise<void> {
    let alive: boolean;
    try {
      alive = await this.beat();
    } catch (error) {
      // A dropped connection: reported, and tried again on the next tick.
      this.reportRetriedError(error);
      return;
    }
    if (alive || this.stopped) return;
    this.stopped = true;
    this.onStop();
  }

  /** Stops the timer and waits for a heartbeat in flight (so none lands after prepare ends). */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.inFlight;
  }
}

/** A store that keeps prepare liveness (ours): the conditional prepare sequence applies. */
export type PreparingStore = DistributedStateStore &
  Required<
    Pick<
      DistributedStateStore,
      'registerBatch' | 'heartbeatPrepare' | 'finishPrepare' | 'updateJobStatus'
    >
  >;

/** True when the store has every method of the conditional prepare sequence. */
export function keepsPrepareLiveness(store: DistributedStateStore): store is PreparingStore {
  return (
    typeof store.registerBatch === 'function' &&
    typeof store.heartbeatPrepare === 'function' &&
    typeof store.finishPrepare === 'function' &&
    typeof store.updateJobStatus === 'function'
  );
}

/** A store that also resumes prepares and opens jobs early (ours). */
export type ResumingStore = PreparingStore &
  Required<
    Pick<
      DistributedStateStore,
      'openEarly' | 'takeOverPrepare' | 'stopPrepare' | 'listPreparedBatches'
    >
  >;

/** True when the store can open a job early and resume its prepare. */
export function resumesPrepare(store: DistributedStateStore): store is ResumingStore {
  return (
    keepsPrepareLiveness(store) &&
    typeof store.openEarly === 'function' &&
    typeof store.takeOverPrepare === 'function' &&
    typeof store.stopPrepare === 'function' &&
    typeof store.listPreparedBatches === 'function'
  );
}
