import {
  supportsJobLimits,
  type DistributedStateStore,
  type RateLeaseGrant,
} from '@batchactions/core';

/**
 * Resolves after `ms`, or rejects with the signal's reason as soon as `signal` aborts. Less
 * than a millisecond is no wait (timers have millisecond resolution: a fast rate's slots are a
 * fraction of one apart, and a timer per record would cost a millisecond each).
 */
function wait(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.reject(signal.reason as Error);
  if (ms < 1) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal.reason as Error);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** What a batch's rate gate needs to know about the batch. */
export interface RateGateOptions {
  readonly store: DistributedStateStore;
  readonly jobId: string;
  /** The claim said the job has a rate limit (`BatchReservation.rateLimited`). */
  readonly rateLimited: boolean;
  /** The batch's first lease, taken by the claim (`BatchReservation.rateLease`), if any. */
  readonly firstLease?: RateLeaseGrant;
  /** Records of the batch: the most tokens it can need (a lease never asks for more). */
  readonly records: number;
  /** The batch's signal: a wait ends at once when it aborts (cancel, lease lost, shutdown). */
  readonly signal: AbortSignal;
  /** True while the job is PAUSED (the batch's job watcher); tokens are not spent then. */
  readonly paused: () => boolean;
  /** How often a paused batch looks again (`cancelCheckIntervalMs`). */
  readonly pausedCheckMs: number;
}

/**
 * One batch's share of the job-wide rate (issue 27). Before each processor call the batch
 * takes a token; tokens come from the store in leases (`leaseRateTokens`: one round trip for up
 * to a lease of tokens, never one per record), each spent in its time slot (the lease's wait,
 * then one token per `intervalMs`), so the fleet's calls are spread at the job's rate.
 * Leases of the batch's lanes (`recordConcurrency`) are taken one at a time. Tokens the batch
 * did not spend go back to the store when it ends (`finish`). The wait keeps the batch's lease
 * alive (the heartbeat runs throughout) and ends at once when the batch's signal aborts.
 *
 * A job without a rate limit makes no call here, except `throttle` from the processor.
 */
export class RateGate {
  private pool = 0;
  /** Local epoch ms from which the next token of the pool may be spent (its time slot). */
  private nextSlotAt = 0;
  private slotMs = 0;
  private remaining: number;
  private limited: boolean;
  private turn: Promise<void> = Promise.resolve();
  /** Calls of `take` not settled yet: `takeNow` never jumps their queue. */
  private queued = 0;

  constructor(private readonly options: RateGateOptions) {
    this.remaining = options.records;
    this.limited = options.rateLimited && supportsJobLimits(options.store);
    if (this.limited && options.firstLease !== undefined) this.grant(options.firstLease);
  }

  /** Takes a lease's tokens into the pool, their slots counted from now. */
  private grant(lease: RateLeaseGrant): void {
    this.pool = lease.granted;
    this.nextSlotAt = Date.now() + lease.waitMs;
    this.slotMs = lease.intervalMs;
  }

  /** True while the batch takes no tokens (a job without a rate): `take` would resolve at once. */
  get unlimited(): boolean {
    return !this.limited;
  }

  /** Waits until `count` tokens are this batch's to spend (at once on a job without rate). */
  take(count = 1): Promise<void> {
    if (!this.limited) return Promise.resolve();
    this.queued += 1;
    const taking = this.turn
      .then(() => this.takeInTurn(count))
      .finally(() => {
        this.queued -= 1;
      });
    this.turn = taking.catch(() => undefined);
    return taking;
  }

  /**
   * Takes one token at once when that needs no wait: a token in the pool whose time slot has
   * come, no `take` queued before it, the job not paused and the batch not aborted. Returns
   * false otherwise (then `take(1)` waits as usual). Spares a record with a token ready the
   * promises of `take`: with a rate far above what the workers reach, that is every record.
   */
  takeNow(): boolean {
    if (!this.limited || this.queued > 0 || this.pool === 0) return false;
    if (this.options.signal.aborted || this.options.paused()) return false;
    const now = Date.now();
    if (this.nextSlotAt - now >= 1) return false;
    this.nextSlotAt = Math.max(this.nextSlotAt, now) + this.slotMs;
    this.pool -= 1;
    this.remaining = Math.max(0, this.remaining - 1);
    return true;
  }

  private async takeInTurn(count: number): Promise<void> {
    const { store, jobId, signal } = this.options;
    let needed = count;
    while (needed > 0 && this.limited) {
      if (this.pool === 0) {
        const wanted = Math.max(needed, this.remaining);
        const lease = supportsJobLimits(store)
          ? await store.leaseRateTokens(jobId, Math.max(1, wanted))
          : ({ limited: false } as const);
        if (!lease.limited) {
          // The limit was removed (`setLimits`): the rest of the batch runs unlimited.
          this.limited = false;
          return;
        }
        this.grant(lease);
      }
      // Never before its time slot: the job's calls stay spread at its rate. A worker slower
      // than the slots (a slow target) spends them late, at its own pace.
      await wait(this.nextSlotAt - Date.now(), signal);
      while (this.options.paused()) await wait(this.options.pausedCheckMs, signal);
      this.nextSlotAt = Math.max(this.nextSlotAt, Date.now()) + this.slotMs;
      this.pool -= 1;
      needed -= 1;
      this.remaining = Math.max(0, this.remaining - 1);
    }
  }

  /**
   * `ctx.throttle(ms)`: the target asked to slow down. The whole job's leases pause for `ms` and
   * its rate halves, then grows back (stores with job-wide limits); this batch's unspent tokens
   * are forfeited, so its next call waits too. On a store without job-wide limits only this
   * batch waits `ms`.
   */
  async throttle(ms: number): Promise<void> {
    const { store, jobId, signal } = this.options;
    if (!Number.isFinite(ms) || ms < 0) {
      throw new RangeError(`ctx.throttle(ms): ms must be a finite number >= 0, got ${String(ms)}`);
    }
    if (!supportsJobLimits(store)) {
      await wait(ms, signal);
      return;
    }
    await store.throttleJob(jobId, Math.ceil(ms));
    this.pool = 0;
    // Without a rate limit no lease will make this batch wait: it waits here.
    if (!this.limited) await wait(ms, signal);
  }

  /** Gives unspent tokens back to the store (one call, only when some are left). */
  async finish(): Promise<void> {
    await this.turn;
    const { store, jobId } = this.options;
    if (this.pool > 0 && this.limited && supportsJobLimits(store)) {
      const tokens = this.pool;
      this.pool = 0;
      await store.returnRateTokens(jobId, tokens);
    }
  }
}
