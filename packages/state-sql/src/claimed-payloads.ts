import type { PayloadRow } from './payload-codec';

/** How long a claimed batch's payload is kept for the `getBatchRecords` that follows. */
const KEEP_MS = 2_000;
/** Most payloads kept at once (a worker reads each right after its claim). */
const MOST_KEPT = 64;

/** Sets `key` in `entries` as its newest entry, dropping the oldest past `MOST_KEPT * 4`. */
function remember<V>(entries: Map<string, V>, key: string, value: V): void {
  entries.delete(key);
  entries.set(key, value);
  if (entries.size > MOST_KEPT * 4) {
    const oldest = entries.keys().next();
    if (oldest.done !== true) entries.delete(oldest.value);
  }
}

/**
 * What a claim of this store wrote on a batch kept as rows (MySQL family): the attempt and claim
 * time its completion can fence with in one statement (`completeBatchRowsMysqlSql`), and the
 * record range whose rows the batch's read confirms.
 */
export interface RowsClaim {
  readonly attempt: number;
  readonly claimedAt: number;
  readonly recordStartIndex: number;
  readonly recordEndIndex: number;
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
  private readonly withPayload = new Map<string, true>();
  /**
   * Batches this store's last claims found without a payload (a batch keeps its layout for its
   * whole life), with how many rows the read of the batch must find to confirm it (0: none, it
   * is sure): read and completed by their rows alone. A MySQL claim can only tell that the job
   * had no payload when its statement began (see `pickBatchMysqlSql`): a batch whose rows fall
   * short is probed for a payload by the read.
   */
  private readonly withoutPayload = new Map<string, number>();
  /** The claims of batches in {@link withoutPayload} (MySQL family), see {@link RowsClaim}. */
  private readonly rowsClaims = new Map<string, RowsClaim>();

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
    remember(this.withPayload, `${jobId}\u0000${batchId}`, true);
  }

  /**
   * Notes that a claim found the batch kept as rows (no payload); `rowsToConfirm` rows, when
   * given, must be read before that is taken as sure (see `withoutPayload`).
   */
  sawRows(jobId: string, batchId: string, rowsToConfirm = 0): void {
    remember(this.withoutPayload, `${jobId}\u0000${batchId}`, rowsToConfirm);
  }

  /** Notes what this store's claim of a batch kept as rows wrote (see {@link RowsClaim}). */
  noteRowsClaim(jobId: string, batchId: string, claim: RowsClaim): void {
    remember(this.rowsClaims, `${jobId}\u0000${batchId}`, claim);
  }

  /**
   * The claim of a batch whose read found a row for every index of its range (see
   * {@link RowsClaim}); undefined when the batch was not read so. Forgets the claim: call it
   * before {@link hadRows}.
   */
  confirmedRowsClaim(jobId: string, batchId: string): RowsClaim | undefined {
    const key = `${jobId}\u0000${batchId}`;
    const claim = this.rowsClaims.get(key);
    this.rowsClaims.delete(key);
    return this.withoutPayload.get(key) === 0 ? claim : undefined;
  }

  /** How many rows confirm that the batch is kept as rows (0: sure); undefined: not known. */
  rowsToConfirm(jobId: string, batchId: string): number | undefined {
    return this.withoutPayload.get(`${jobId}\u0000${batchId}`);
  }

  /** The read found the rows: the batch is sure to be kept as rows. */
  confirmRows(jobId: string, batchId: string): void {
    const key = `${jobId}\u0000${batchId}`;
    if (this.withoutPayload.has(key)) this.withoutPayload.set(key, 0);
  }

  /** The read did not find the rows: nothing is known of the batch's layout. */
  dropRows(jobId: string, batchId: string): void {
    this.withoutPayload.delete(`${jobId}\u0000${batchId}`);
    this.rowsClaims.delete(`${jobId}\u0000${batchId}`);
  }

  /** Whether the batch is sure to be kept as rows; forgets it. */
  hadRows(jobId: string, batchId: string): boolean {
    const key = `${jobId}\u0000${batchId}`;
    const toConfirm = this.withoutPayload.get(key);
    this.withoutPayload.delete(key);
    return toConfirm === 0;
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
    for (const key of [...this.withoutPayload.keys()]) {
      if (key.startsWith(prefix)) this.withoutPayload.delete(key);
    }
    for (const key of [...this.rowsClaims.keys()]) {
      if (key.startsWith(prefix)) this.rowsClaims.delete(key);
    }
  }
}
