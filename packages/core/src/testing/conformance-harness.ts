import type { DistributedStateStore } from '../ports/distributed-state-store';

/**
 * A store's batch writes held inside their transaction, so that a test can run another call
 * while a write is in flight (made by {@link ConformanceHarness.holdBatchWrites}).
 */
export interface BatchWriteGate {
  /** Resolves once a `registerBatch` is held inside its transaction, after its checks. */
  writeHeld(): Promise<void>;
  /**
   * Resolves once another session of the store waits for a lock that the held write holds
   * (the call under test queued behind the write instead of passing it).
   */
  lockWaited(): Promise<void>;
  /** Lets the held write, and every later one, go on. */
  release(): Promise<void>;
}

/**
 * What a store's test file can give the conformance suite to force an interleaving instead of
 * waiting for one. Both are optional: a test that needs one the harness lacks is reported
 * skipped (never passed).
 */
export interface ConformanceHarness {
  /**
   * Makes the prepare heartbeat of job `jobId` `byMs` older, in the store's own rows (an UPDATE
   * of its heartbeat column; the in-memory store: its clock moved forward), so that a test gets
   * a stale prepare without waiting for one to go stale.
   */
  readonly agePrepareHeartbeat?: (
    store: DistributedStateStore,
    jobId: string,
    byMs: number,
  ) => Promise<void>;
  /**
   * Makes the store's next batch writes wait inside their transaction until the gate is
   * released (e.g. a trigger in the test's own schema that waits for an advisory lock the test
   * holds). Stores whose every write runs in one synchronous step (the in-memory store,
   * better-sqlite3) have no write in flight to hold.
   */
  readonly holdBatchWrites?: (store: DistributedStateStore) => Promise<BatchWriteGate>;
  /**
   * Makes the store's next batch claims wait mid-statement, after they read the job's status and
   * before they take their batch, until the gate is released (e.g. a trigger in the test's own
   * schema on the batch row's move from PENDING to PROCESSING, waiting for an advisory lock the
   * test holds). The gate's `writeHeld` resolves once a claim is held, `lockWaited` once another
   * session waits for a lock the held claim holds. Stores whose claim runs in one synchronous
   * step (the in-memory store, better-sqlite3) have no claim in flight to hold.
   */
  readonly holdClaims?: (store: DistributedStateStore) => Promise<BatchWriteGate>;
}
