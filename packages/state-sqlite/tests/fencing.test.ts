import Database from 'better-sqlite3';
import {
  BatchStatus,
  createBatch,
  createPendingRecord,
  JobStatus,
  LeaseLostError,
  type Batch,
  type BatchLease,
  type BatchReservation,
  type ProcessedRecord,
} from '@batchactions/core';
import { SqliteStateStore } from '@batchactions/state-sqlite';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tempDb, type TempDb } from './temp-db';

let file: TempDb;
let store: SqliteStateStore;

beforeEach(async () => {
  file = tempDb('fencing');
  store = new SqliteStateStore({ filename: file.filename });
  await store.initialize();
});
afterEach(async () => {
  await store.close();
  file.remove();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function rows(sql: string, ...params: unknown[]): unknown[] {
  const db = new Database(file.filename, { readonly: true });
  try {
    return db.prepare(sql).all(...params);
  } finally {
    db.close();
  }
}

async function prepare(jobId: string, batchCount: number, size: number): Promise<Batch[]> {
  const batches = Array.from({ length: batchCount }, (_, i) =>
    createBatch(
      `${jobId}-b${i}`,
      i,
      Array.from({ length: size }, (_, k) =>
        createPendingRecord(i * size + k, { n: i * size + k }),
      ),
    ),
  );
  const job = { id: jobId, config: { batchSize: size }, totalRecords: batchCount * size };
  await store.saveJobState({ ...job, status: JobStatus.CREATED, batches: [] });
  for (const batch of batches) await store.registerBatch(jobId, batch);
  await store.saveJobState({ ...job, status: JobStatus.PROCESSING, batches });
  return batches;
}

async function claim(jobId: string, workerId: string): Promise<BatchReservation> {
  const result = await store.claimBatch(jobId, workerId);
  if (!result.claimed) throw new Error(`no claim: ${result.reason}`);
  return result.reservation;
}

const leaseOf = (r: BatchReservation): BatchLease => ({
  jobId: r.jobId,
  batchId: r.batchId,
  workerId: r.workerId,
  attempt: r.attempt ?? 0,
});

const processed = (records: readonly ProcessedRecord[], tag: string) =>
  records.map((r): ProcessedRecord => ({
    ...r,
    status: 'processed',
    parsed: { ...r.parsed, tag },
  }));

const done = (count: number) =>
  ({ status: BatchStatus.COMPLETED, processedCount: count, failedCount: 0 }) as const;

describe('fenced completeBatch', () => {
  it('rejects a worker whose batch was reclaimed and claimed again, writing nothing', async () => {
    await prepare('job', 1, 3);
    const slow = await claim('job', 'slow');
    await sleep(5);
    expect(await store.reclaimStaleBatches('job', 0)).toBe(1);
    const fast = await claim('job', 'fast');
    expect([slow.attempt, fast.attempt]).toEqual([1, 2]);
    const recordsBefore = rows('SELECT * FROM batchactions_records ORDER BY record_index');
    const batchBefore = rows('SELECT * FROM batchactions_batches');

    const records = await store.getBatchRecords('job', slow.batchId);
    const failure = await store
      .completeBatch(leaseOf(slow), processed(records, 'slow'), done(3))
      .then(
        () => null,
        (error: unknown) => error,
      );
    expect(failure).toBeInstanceOf(LeaseLostError);
    expect(failure).toMatchObject({
      jobId: 'job',
      batchId: slow.batchId,
      workerId: 'slow',
      attempt: 1,
    });
    expect(rows('SELECT * FROM batchactions_records ORDER BY record_index')).toEqual(recordsBefore);
    expect(rows('SELECT * FROM batchactions_batches')).toEqual(batchBefore);

    await store.completeBatch(leaseOf(fast), processed(records, 'fast'), done(3));
    const stored = await store.getBatchRecords('job', fast.batchId);
    expect(stored.map((r) => [r.status, r.parsed.tag])).toEqual([
      ['processed', 'fast'],
      ['processed', 'fast'],
      ['processed', 'fast'],
    ]);
  });

  it('rejects the old holder after the new holder finished the batch', async () => {
    await prepare('job', 1, 2);
    const slow = await claim('job', 'slow');
    await sleep(5);
    await store.reclaimStaleBatches('job', 0);
    const fast = await claim('job', 'fast');
    const records = await store.getBatchRecords('job', fast.batchId);
    await store.completeBatch(leaseOf(fast), processed(records, 'fast'), done(2));
    await expect(
      store.completeBatch(leaseOf(slow), processed(records, 'slow'), done(2)),
    ).rejects.toBeInstanceOf(LeaseLostError);
    // Same worker id, older attempt: still fenced off.
    await expect(
      store.completeBatch({ ...leaseOf(fast), attempt: 1 }, processed(records, 'x'), done(2)),
    ).rejects.toBeInstanceOf(LeaseLostError);
    expect((await store.getProcessedRecords('job')).map((r) => r.parsed.tag)).toEqual([
      'fast',
      'fast',
    ]);
    expect(await store.tryFinalizeJob('job')).toBe(true);
  });

  it('rejects a lease of an unknown job or batch', async () => {
    await prepare('job', 1, 1);
    const r = await claim('job', 'w');
    await expect(
      store.completeBatch({ ...leaseOf(r), jobId: 'other' }, [], done(0)),
    ).rejects.toBeInstanceOf(LeaseLostError);
    await expect(store.heartbeatBatch({ ...leaseOf(r), batchId: 'nope' })).rejects.toBeInstanceOf(
      LeaseLostError,
    );
  });

  it('stores a changed parsed record apart from raw and inserts records the batch never had', async () => {
    const [batch] = await prepare('job', 1, 2);
    const r = await claim('job', 'w');
    const records = await store.getBatchRecords('job', r.batchId);
    const extra: ProcessedRecord = {
      index: 1,
      raw: { n: 1 },
      parsed: { n: 1 },
      status: 'processed',
      errors: [],
    };
    // Index 1 exists; simulate a record unknown to the store by deleting it first.
    const db = new Database(file.filename);
    db.prepare('DELETE FROM batchactions_records WHERE record_index = 1').run();
    db.close();
    await store.completeBatch(
      leaseOf(r),
      [
        {
          ...records[0]!,
          status: 'invalid',
          parsed: { n: '0' },
          errors: [{ field: 'n', message: 'bad', code: 'TYPE_MISMATCH' }],
        },
        extra,
      ],
      { status: BatchStatus.COMPLETED, processedCount: 1, failedCount: 1 },
    );
    expect(await store.getBatchRecords('job', batch!.id)).toEqual([
      {
        index: 0,
        raw: { n: 0 },
        parsed: { n: '0' },
        status: 'invalid',
        errors: [{ field: 'n', message: 'bad', code: 'TYPE_MISMATCH' }],
      },
      extra,
    ]);
    // parsed equal to raw is not stored twice.
    expect(rows('SELECT record_index, parsed FROM batchactions_records ORDER BY 1')).toEqual([
      { record_index: 0, parsed: '{"n":"0"}' },
      { record_index: 1, parsed: null },
    ]);
  });
});

describe('heartbeatBatch', () => {
  it('renews the claim time of a held batch and fails once the lease is gone', async () => {
    await prepare('job', 1, 1);
    const r = await claim('job', 'w');
    await sleep(20);
    await store.heartbeatBatch(leaseOf(r));
    const renewed = (await store.getJobState('job'))?.batches[0]?.claimedAt ?? 0;
    expect(renewed).toBeGreaterThan(r.claimedAt);
    expect(await store.reclaimStaleBatches('job', 10_000)).toBe(0);
    await store.releaseBatch('job', r.batchId, 'w');
    const failure = await store.heartbeatBatch(leaseOf(r)).then(
      () => null,
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(LeaseLostError);
    expect(failure).toMatchObject({ workerId: 'w', attempt: 1 });
  });
});

describe('transactions', () => {
  it('registers a batch with all its records or not at all', async () => {
    await store.saveJobState({
      id: 'job',
      config: { batchSize: 3 },
      status: JobStatus.CREATED,
      batches: [],
      totalRecords: 3,
    });
    const good = [createPendingRecord(0, { n: 0 }), createPendingRecord(1, { n: 1 })];
    // A record without a status violates NOT NULL after two rows were already written.
    const bad = { ...createPendingRecord(2, { n: 2 }), status: null } as unknown as ProcessedRecord;
    await expect(store.registerBatch('job', createBatch('b0', 0, [...good, bad]))).rejects.toThrow(
      /NOT NULL/,
    );
    expect(rows('SELECT count(*) AS n FROM batchactions_records')).toEqual([{ n: 0 }]);
    expect(rows('SELECT count(*) AS n FROM batchactions_batches')).toEqual([{ n: 0 }]);
    // The connection is usable again (the transaction was rolled back, not left open).
    await store.registerBatch('job', createBatch('b0', 0, good));
    expect(rows('SELECT count(*) AS n FROM batchactions_records')).toEqual([{ n: 2 }]);
  });

  it('quarantines a batch by failing only its records that were not processed', async () => {
    const batches = await prepare('job', 2, 2);
    const r = await claim('job', 'w');
    const records = await store.getBatchRecords('job', r.batchId);
    await store.saveProcessedRecord('job', r.batchId, { ...records[0]!, status: 'processed' });
    await sleep(5);
    expect(await store.reclaimStaleBatches('job', 0, 1)).toBe(1);
    const first = await store.getBatchRecords('job', batches[0]!.id);
    expect(first.map((x) => [x.status, x.processingError])).toEqual([
      ['processed', undefined],
      ['failed', 'Batch 0 abandoned after 1 attempts (last worker w)'],
    ]);
    const second = await store.getBatchRecords('job', batches[1]!.id);
    expect(second.every((x) => x.status === 'pending')).toBe(true);
  });
});
