import {
  BatchStatus,
  JobNotFoundError,
  JobNotPreparingError,
  JobStatus,
  createBatch,
  createPendingRecord,
  markRecordFailed,
  markRecordValid,
  type ProcessedRecord,
} from '@batchactions/core';
import { makeJobState, makeRecords, prepareJob } from '@batchactions/core/testing';
import type pg from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { PostgresStateStore } from '@batchactions/state-postgres';
import { createTestPool } from '../../../tests/support/postgres';
import { storePerTest } from '../../../tests/support/postgres-store-per-test';

let store: PostgresStateStore;
let pool: pg.Pool;

storePerTest((made) => (store = made));
beforeEach(() => {
  pool = createTestPool(1);
});
afterEach(async () => {
  await pool.end();
});

async function newJob(status: JobStatus = JobStatus.CREATED): Promise<string> {
  const jobId = `job-${crypto.randomUUID()}`;
  await store.saveJobState(makeJobState(jobId, status, [], 0));
  return jobId;
}

async function rowsOf(jobId: string) {
  const result = await pool.query<{ recordIndex: number; parsed: unknown; errors: unknown }>(
    `SELECT "recordIndex", parsed, errors FROM "${store.schema}".records WHERE "jobId" = $1 ORDER BY 1`,
    [jobId],
  );
  return result.rows;
}

describe('PostgresStateStore records', () => {
  it('registers a batch with its records, and registering it again replaces the records but keeps its state', async () => {
    const jobId = await newJob();
    const batch = createBatch('b0', 0, makeRecords(0, 3));
    await store.registerBatch(jobId, batch);
    const changed = batch.records.map((r) => markRecordFailed(r, 'again'));
    await store.registerBatch(jobId, { ...batch, records: changed });
    expect(await store.getBatchRecords(jobId, 'b0')).toEqual(changed);
    // Registered twice, counted once.
    expect((await store.getJobDetails(jobId))?.totalRecords).toBe(3);
    await store.saveJobState(makeJobState(jobId, JobStatus.PROCESSING, [batch], 3));
    const claim = await store.claimBatch(jobId, 'w');
    expect(claim.claimed).toBe(true);
    const job = await store.getJobState(jobId);
    expect(job?.batches).toHaveLength(1);
    expect(job?.batches[0]).toMatchObject({ status: BatchStatus.PROCESSING, workerId: 'w' });
  });

  it('refuses a batch for a job that is no longer being prepared, and writes nothing', async () => {
    const jobId = await newJob();
    await store.saveJobState(makeJobState(jobId, JobStatus.PROCESSING, [], 0));
    const batch = createBatch('b0', 0, makeRecords(0, 3));
    await expect(store.registerBatch(jobId, batch)).rejects.toBeInstanceOf(JobNotPreparingError);
    expect(await rowsOf(jobId)).toEqual([]);
    expect((await store.getJobState(jobId))?.batches).toEqual([]);
  });

  it('rejects batches of an unknown job with JobNotFoundError; records saved before their job are kept, as in every store', async () => {
    const batch = createBatch('b0', 0, makeRecords(0, 2));
    await expect(store.registerBatch('no-such-job', batch)).rejects.toBeInstanceOf(
      JobNotFoundError,
    );
    expect(await store.getJobState('no-such-job')).toBeNull();
    // The published prepare saves a batch's records before the job row (conformance:
    // "agreement between stores"); deleteJob removes them with the job id.
    await store.saveBatchRecords('early-job', 'b0', batch.records);
    expect(await store.getBatchRecords('early-job', 'b0')).toHaveLength(2);
    await store.deleteJob('early-job');
    expect(await store.getBatchRecords('early-job', 'b0')).toEqual([]);
  });

  it('ignores a state update of an unknown batch, as the published stores', async () => {
    const jobId = await newJob();
    await expect(
      store.updateBatchState(jobId, 'nope', {
        batchId: 'nope',
        status: BatchStatus.COMPLETED,
        processedCount: 0,
        failedCount: 0,
      }),
    ).resolves.toBeUndefined();
    expect((await store.getJobState(jobId))?.batches.some((b) => b.id === 'nope')).toBe(false);
  });

  it('stores records saved before their batch exists, and batches saved with the job', async () => {
    const jobId = await newJob();
    const first = createBatch('b0', 0, makeRecords(0, 2));
    const second = createBatch('b1', 1, makeRecords(2, 2));
    await store.saveBatchRecords(jobId, 'b0', first.records);
    expect(await store.getBatchRecords(jobId, 'b0')).toEqual(first.records);
    // saveJobState stores the records a listed batch carries.
    await store.saveJobState({
      ...makeJobState(jobId, JobStatus.PROCESSING, [first], 4),
      batches: [{ ...first, records: [] }, second],
    });
    expect(await store.getBatchRecords(jobId, 'b1')).toEqual(second.records);
    const job = await store.getJobState(jobId);
    expect(job?.batches.map((b) => [b.id, b.recordStartIndex, b.recordEndIndex])).toEqual([
      ['b0', 0, 1],
      ['b1', 2, 3],
    ]);
  });

  it('keeps the last of two records with the same index in one call', async () => {
    const jobId = await newJob();
    const [a] = makeRecords(7, 1);
    const b = markRecordFailed(a!, 'second wins');
    await store.saveBatchRecords(jobId, 'b0', [a!, b]);
    expect(await store.getBatchRecords(jobId, 'b0')).toEqual([b]);
  });

  it('moves a record saved again under another batch', async () => {
    const jobId = await newJob();
    const [record] = makeRecords(0, 1);
    await store.saveProcessedRecord(jobId, 'b0', record!);
    await store.saveProcessedRecord(jobId, 'b1', record!);
    expect(await store.getBatchRecords(jobId, 'b0')).toEqual([]);
    expect(await store.getBatchRecords(jobId, 'b1')).toEqual([record]);
  });

  it('stores parsed and errors only when they add something', async () => {
    const jobId = await newJob();
    const pending = createPendingRecord(0, { a: '1' });
    const sameContent = markRecordValid(createPendingRecord(1, { a: '1' }), { a: '1' });
    const transformed = markRecordValid(createPendingRecord(2, { a: '1' }), { a: 1 });
    const warned = markRecordValid(createPendingRecord(3, { a: '1' }), { a: '1' }, [
      { field: 'a', message: 'odd', code: 'CUSTOM_VALIDATION', severity: 'warning' },
    ]);
    const records = [pending, sameContent, transformed];
    await store.saveBatchRecords(jobId, 'b0', records);
    expect(await rowsOf(jobId)).toEqual([
      { recordIndex: 0, parsed: null, errors: null },
      { recordIndex: 1, parsed: null, errors: null },
      { recordIndex: 2, parsed: { a: 1 }, errors: null },
    ]);
    // Errors travel as one column per write: the records without any of a write where one has
    // some store an empty list.
    await store.saveBatchRecords(jobId, 'b0', [...records, warned]);
    expect(await rowsOf(jobId)).toEqual([
      { recordIndex: 0, parsed: null, errors: [] },
      { recordIndex: 1, parsed: null, errors: [] },
      { recordIndex: 2, parsed: { a: 1 }, errors: [] },
      { recordIndex: 3, parsed: null, errors: warned.errors },
    ]);
    expect(await store.getBatchRecords(jobId, 'b0')).toEqual([...records, warned]);
  });

  it('round-trips awkward payloads', async () => {
    const jobId = await newJob();
    const record: ProcessedRecord = {
      index: 0,
      raw: {
        quote: 'say "hi"',
        backslash: 'C:\\temp\\',
        unicode: 'ñandú – 日本 🎉',
        braces: '{a,b}',
        nothing: null,
        empty: '',
        number: 1.5e-7,
        nested: { deep: [[1], { x: [] }] },
      },
      parsed: { list: ['NULL', 'null', ''] },
      status: 'invalid',
      errors: [{ field: '', message: 'row-level', code: 'CUSTOM_VALIDATION', value: { a: [1] } }],
      processingError: 'line 1\nline 2',
      retryCount: 0,
    };
    await store.saveBatchRecords(jobId, 'b0', [record]);
    expect(await store.getBatchRecords(jobId, 'b0')).toEqual([record]);
    expect((await store.getFailedRecords(jobId))[0]).toEqual(record);
  });

  it('replaces NUL characters in error messages, which PostgreSQL text cannot hold', async () => {
    const jobId = await newJob();
    const [record] = makeRecords(0, 1);
    await store.saveBatchRecords(jobId, 'b0', [markRecordFailed(record!, 'bad\u0000byte')]);
    const [back] = await store.getBatchRecords(jobId, 'b0');
    expect(back?.processingError).toBe('bad\uFFFDbyte');
  });

  it('keeps the job fields it was given and omits the absent ones', async () => {
    const jobId = `job-${crypto.randomUUID()}`;
    await store.saveJobState({
      id: jobId,
      config: { batchSize: 10, schema: { fields: [{ name: 'email', type: 'email' }] } },
      status: JobStatus.CREATED,
      batches: [],
      totalRecords: 0,
    });
    expect(await store.getJobState(jobId)).toEqual({
      id: jobId,
      config: { batchSize: 10, schema: { fields: [{ name: 'email', type: 'email' }] } },
      status: JobStatus.CREATED,
      batches: [],
      totalRecords: 0,
    });
    await store.saveJobState({
      id: jobId,
      config: { batchSize: 10 },
      status: JobStatus.ABORTED,
      batches: [],
      totalRecords: 5,
      startedAt: 1_700_000_000_123,
      completedAt: 1_700_000_100_456,
      distributed: false,
    });
    expect(await store.getJobState(jobId)).toMatchObject({
      status: JobStatus.ABORTED,
      totalRecords: 5,
      startedAt: 1_700_000_000_123,
      completedAt: 1_700_000_100_456,
      distributed: false,
    });
    expect(await store.getProgress(jobId)).toMatchObject({ elapsedMs: 100_333 });
  });

  it('deletes a job with its batches and records', async () => {
    const { jobId, batches } = await prepareJob(store, 2, 3, { useRegisterBatch: true });
    const other = await prepareJob(store, 1, 1);
    expect(await store.deleteJob(jobId)).toBe(true);
    expect(await store.deleteJob(jobId)).toBe(false);
    expect(await store.getJobState(jobId)).toBeNull();
    expect(await store.getBatchRecords(jobId, batches[0]!.id)).toEqual([]);
    const left = await pool.query<{ n: number }>(
      `SELECT (SELECT count(*) FROM "${store.schema}".batches WHERE "jobId" = $1)::int
            + (SELECT count(*) FROM "${store.schema}".records WHERE "jobId" = $1)::int AS n`,
      [jobId],
    );
    expect(left.rows[0]?.n).toBe(0);
    expect(await store.getBatchRecords(other.jobId, other.batches[0]!.id)).toHaveLength(1);
  });
});
