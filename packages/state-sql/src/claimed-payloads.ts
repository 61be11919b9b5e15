import type { PayloadRow } from './payload-codec';

/** How long a claimed batch's payload is kept for the `getBatchRecords` that follows. */
const KEEP_MS = 2_000;
/** Most payloads kept at once (a worker reads each right after its claim). */
const MOST_KEPT = 64;

/** Adds `key` to `keys` as its newest entry, dropping the oldest past `MOST_KEPT * 4`. */
function remember(keys: Set<string>, key: string): void {
  keys.delete(key);
  keys.add(key);
  if (keys.size > MOST_KEPT * 4) {
    const oldest = keys.values().next();
    if (oldest.done !== true) keys.delete(oldest.value);
  }
}

/**
 * The payloads that this store's last claims read with the claimed batch (issue 28), so that
 * the worker's `getBatchRecords` right after the claim needs no statement: each is handed out
 * once, within {@link KEEP_MS} of its claim, and dropped when this store writes the batch. Older
 * or consumed ones are read from the database as usual.
 */
export class ClaimedPayloads {
  private readonly kept = new Map<string, { payload: PayloadRow; at: number }>();
  /** Batches this store last saw with a payload: their completion tries the payload write first. */
  private readonly withPayload = new Set<string>();
  /**
   * Batches this store's last claims found without a payload: read and completed by their
   * rows alone (a batch keeps its layout for its whole life).
   */
  private readonly withoutPayload = new Set<string>();

  keep(jobId: string, batchId: string, payload: PayloadRow): void {
    const key = `${jobId}\u0000${batchId}`;
    this.kept.delete(key);
    this.kept.set(key, { payload, at: Date.now() });
    if (this.kept.size > MOST_KEPT) {
      const oldest = this.kept.keys().next();
      if (oldest.done !== true) this.kept.delete(oldest.value);
    }
    this.sawPayload(jobId, batchId);
  }

  /** Notes that the batch has a payload (a claim or a read found one). */
  sawPayload(jobId: string, batchId: string): void {
    remember(this.withPayload, `${jobId}\u0000${batchId}`);
  }

  /** Notes that a claim found the batch kept as rows (no payload). */
  sawRows(jobId: string, batchId: string): void {
    remember(this.withoutPayload, `${jobId}\u0000${batchId}`);
  }

  /** Whether this store's claim found the batch kept as rows. */
  hasRows(jobId: string, batchId: string): boolean {
    return this.withoutPayload.has(`${jobId}\u0000${batchId}`);
  }

  /** Whether this store's claim found the batch kept as rows; forgets it. */
  hadRows(jobId: string, batchId: string): boolean {
    return this.withoutPayload.delete(`${jobId}\u0000${batchId}`);
  }

  /** Whether this store last saw the batch with a payload; forgets it. */
  hadPayload(jobId: string, batchId: string): boolean {
    return this.withPayload.delete(`${jobId}\u0000${batchId}`);
  }

  /** The payload kept for the batch, once; undefined when none (or too old). */
  take(jobId: string, batchId: string): PayloadRow | undefined {
    const key = `${jobId}\u0000${batchId}`;
    const entry = this.kept.get(key);
    if (entry === undefined) return undefined;
    this.kept.delete(key);
    return Date.now() - entry.at <= KEEP_MS ? entry.payload : undefined;
  }

  forget(jobId: string, batchId: string): void {
    this.kept.delete(`${jobId}\u0000${batchId}`);
  }

  /** Drops every payload kept for the job (a purge, a reclaim). */
  forgetJob(jobId: string): void {
    const prefix = `${jobId}\u0000`;
    for (const key of [...this.kept.keys()]) if (key.startsWith(prefix)) this.kept.delete(key);
    for (const key of [...this.withoutPayload]) {
      if (key.startsWith(prefix)) this.withoutPayload.delete(key);
    }
  }
}
