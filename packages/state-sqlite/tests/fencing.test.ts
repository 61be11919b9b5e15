import Database from 'better-sqlite3';
import { BatchStatus, LeaseLostError, type ProcessedRecord } from '@batchactions/core';
import { describe, expect, it } from 'vitest';
import { leaseOf, sleep, useTestStore } from './test-store';

const t = useTestStore('fencing');

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
    await t().prepare('job', 1, 3);
    const slow = await t().claim('job', 'slow');
    await sleep(5);
    expect(await t().store.reclaimStaleBatches('job', 0)).toBe(1);
    const fast = await t().claim('job', 'fast');
    expect([slow.attempt, fast.attempt]).toEqual([1, 2]);
    const recordsBefore = t().rows('SELECT * FROM batchactions_records ORDER BY "recordIndex"');
    const batchBefore = t().rows('SELECT * FROM batchactions_batches');

    const records = await t().store.getBatchRecords('job', slow.batchId);
    const failure = await t()
      .store.completeBatch(leaseOf(slow), processed(records, 'slow'), done(3))
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
    expect(t().rows('SELECT * FROM batchactions_records ORDER BY "recordIndex"')).toEqual(
      recordsBefore,
    );
    expect(t().rows('SELECT * FROM batchactions_batches')).toEqual(batchBefore);

    await t().store.completeBatch(leaseOf(fast), processed(records, 'fast'), done(3));
    const stored = await t().store.getBatchRecords('job', fast.batchId);
    expect(stored.map((r) => [r.status, r.parsed.tag])).toEqual([
      ['processed', 'fast'],
      ['processed', 'fast'],
      ['processed', 'fast'],
    ]);
  });

  it('rejects the old holder after the new holder finished the batch', async () => {
    await t().prepare('job', 1, 2);
    const slow = await t().claim('job', 'slow');
    await sleep(5);
    await t().store.reclaimStaleBatches('job', 0);
    const fast = await t().claim('job', 'fast');
    const records = await t().store.getBatchRecords('job', fast.batchId);
    await t().store.completeBatch(leaseOf(fast), processed(records, 'fast'), done(2));
    await expect(
      t().store.completeBatch(leaseOf(slow), processed(records, 'slow'), done(2)),
    ).rejects.toBeInstanceOf(LeaseLostError);
    // Same worker id, older attempt: still fenced off.
    await expect(
      t().store.completeBatch({ ...leaseOf(fast), attempt: 1 }, processed(records, 'x'), done(2)),
    ).rejects.toBeInstanceOf(LeaseLostError);
    expect((await t().store.getProcessedRecords('job')).map((r) => r.parsed.tag)).toEqual([
      'fast',
      'fast',
    ]);
    expect(await t().store.tryFinalizeJob('job')).toBe(true);
  });

  it('rejects a lease of an unknown job or batch', async () => {
    await t().prepare('job', 1, 1);
    const r = await t().claim('job', 'w');
    await expect(
      t().store.completeBatch({ ...leaseOf(r), jobId: 'other' }, [], done(0)),
    ).rejects.toBeInstanceOf(LeaseLostError);
    await expect(
      t().store.heartbeatBatch({ ...leaseOf(r), batchId: 'nope' }),
    ).rejects.toBeInstanceOf(LeaseLostError);
  });

  it('stores a changed parsed record apart from raw and inserts records the batch never had', async () => {
    const [batch] = await t().prepare('job', 1, 2);
    const r = await t().claim('job', 'w');
    const records = await t().store.getBatchRecords('job', r.batchId);
    const extra: ProcessedRecord = {
      index: 1,
      raw: { n: 1 },
      parsed: { n: 1 },
      status: 'processed',
      errors: [],
    };
    // Index 1 exists; simulate a record unknown to the store by deleting it first.
    const db = new Database(t().filename);
    db.prepare('DELETE FROM batchactions_records WHERE "recordIndex" = 1').run();
    db.close();
    await t().store.completeBatch(
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
    expect(await t().store.getBatchRecords('job', batch!.id)).toEqual([
      {
        index: 0,
        raw: { n: 0 },
        parsed: { n: '0' },
        status: 'invalid',
        errors: [{ field: 'n', message: 'bad', code: 'TYPE_MISMATCH' }],
      },
      extra,
    ]);
    // parsed equal to raw is not stored twice (JSON null: "the raw record").
    expect(t().rows('SELECT "recordIndex", parsed FROM batchactions_records ORDER BY 1')).toEqual([
      { recordIndex: 0, parsed: '{"n":"0"}' },
      { recordIndex: 1, parsed: 'null' },
    ]);
  });
});

describe('heartbeatBatch', () => {
  it('renews the claim time of a held batch and fails once the lease is gone', async () => {
    await t().prepare('job', 1, 1);
    const r = await t().claim('job', 'w');
    await sleep(20);
    await t().store.heartbeatBatch(leaseOf(r));
    const renewed = (await t().store.getJobState('job'))?.batches[0]?.claimedAt ?? 0;
    expect(renewed).toBeGreaterThan(r.claimedAt);
    expect(await t().store.reclaimStaleBatches('job', 10_000)).toBe(0);
    await t().store.releaseBatch('job', r.batchId, 'w');
    const failure = await t()
      .store.heartbeatBatch(leaseOf(r))
      .then(
        () => null,
        (error: unknown) => error,
      );
    expect(failure).toBeInstanceOf(LeaseLostError);
    expect(failure).toMatchObject({ workerId: 'w', attempt: 1 });
  });
});
