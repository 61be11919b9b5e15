import { BatchStatus, BufferSource, LeaseLostError, markRecordProcessed } from '@batchactions/core';
import { prepareJob } from '@batchactions/core/testing';
import { DistributedImport } from '@batchactions/distributed';
import { CsvParser } from '@batchactions/import';
import { PostgresStateStore } from '@batchactions/state-postgres';
import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  expectAsynchronousBatchCommits,
  recordCommitModes,
  type CommitMode,
} from '../../../tests/support/commit-modes';
import { dropSchema, testDatabaseUrl, uniqueSchemaName } from '../../../tests/support/postgres';

// A batch claim commits without waiting for its WAL flush (`synchronous_commit` off for its
// transaction only). These tests check that the setting is the claim's alone (the claims of
// job-wide unique values stay durable), and that a claim a server crash loses (the batch row back
// as it was before the claim) costs a retry, never a record lost or counted twice.

let store: PostgresStateStore;
let pool: pg.Pool;
let admin: pg.Client;

beforeEach(async (context) => {
  // One connection, synchronous by its own setting (the test server may run with it off): the
  // claim and the statements after it share it, so a setting the claim left on its connection
  // would show in them.
  pool = new pg.Pool({
    connectionString: testDatabaseUrl(),
    max: 1,
    options: '-c synchronous_commit=on',
  });
  store = new PostgresStateStore({
    pool,
    schema: uniqueSchemaName(context.task.name),
    batchPayloads: true,
  });
  await store.initialize();
  admin = new pg.Client({ connectionString: testDatabaseUrl() });
  await admin.connect();
});
afterEach(async () => {
  await admin.end();
  await store.close();
  await pool.end();
  await dropSchema(store.schema);
});

/** The commit modes of this test's store's writes (see tests/support/commit-modes.ts). */
function recordModes(): Promise<() => Promise<CommitMode[]>> {
  const s = `"${store.schema}"`;
  return recordCommitModes(async (sql) => (await admin.query<Record<string, unknown>>(sql)).rows, {
    schema: store.schema,
    batches: `${s}.batches`,
    jobs: `${s}.jobs`,
  });
}

const schema = { fields: [{ name: 'id', type: 'string' as const, required: true }] };
const csv = (rows: number) =>
  ['id,name', ...Array.from({ length: rows }, (_, i) => `${i},name ${i}`)].join('\n');

describe('PostgreSQL claim commits', () => {
  it('commit a claim asynchronously and leave the connection synchronous for what follows', async () => {
    const { jobId } = await prepareJob(store, 2, 3, { useRegisterBatch: true });
    const modes = await recordModes();
    for (let n = 0; n < 2; n += 1) {
      const claim = await store.claimBatch(jobId, 'w');
      if (!claim.claimed) throw new Error(`expected a claim, got ${claim.reason}`);
      const { batchId, attempt } = claim.reservation;
      const records = await store.getBatchRecords(jobId, batchId);
      await store.completeBatch(
        { jobId, batchId, workerId: 'w', attempt: attempt ?? 1 },
        records.map((record) => markRecordProcessed(record)),
        { status: BatchStatus.COMPLETED, processedCount: 3, failedCount: 0 },
      );
    }
    // Every claim asynchronous, every completion (same connection, right after) synchronous.
    expect(await modes()).toEqual([
      { row: 'PROCESSING', mode: 'off' },
      { row: 'COMPLETED', mode: 'on' },
      { row: 'PROCESSING', mode: 'off' },
      { row: 'COMPLETED', mode: 'on' },
    ]);
  });

  it('commit the claim of a job with maxConcurrentBatches asynchronously too', async () => {
    const { jobId } = await prepareJob(store, 2, 3, { useRegisterBatch: true });
    await store.setJobLimits(jobId, { maxConcurrentBatches: 1 });
    const modes = await recordModes();
    const claim = await store.claimBatch(jobId, 'w');
    expect(claim.claimed).toBe(true);
    // At the cap: no batch, and no row changed.
    expect((await store.claimBatch(jobId, 'w2')).claimed).toBe(false);
    if (!claim.claimed) return;
    await store.heartbeatBatch({
      jobId,
      batchId: claim.reservation.batchId,
      workerId: 'w',
      attempt: claim.reservation.attempt ?? 1,
    });
    expect(await modes()).toEqual([
      { row: 'PROCESSING', mode: 'off' },
      { row: 'PROCESSING', mode: 'on' },
    ]);
  });

  it('commit job-wide unique-value claims durably, on both paths', async () => {
    // Unlike a batch claim, nothing fences a completion on the unique claims: lost in a crash
    // after the batch claim was flushed, they would let the batch complete with its values
    // missing from the register (see insertClaimsPostgres).
    const { jobId } = await prepareJob(store, 1, 3, { useRegisterBatch: true });
    const s = `"${store.schema}"`;
    // A statement trigger notes each claim statement that committed: its setting at the end of
    // the statement and how many values it inserted. A statement that failed (the plain INSERT
    // meeting a taken value) leaves no note: its transaction rolled back.
    await admin.query(`CREATE TABLE ${s}.unique_modes (n serial, mode text, inserted integer)`);
    await admin.query(`
      CREATE FUNCTION ${s}.note_unique_mode() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        INSERT INTO ${s}.unique_modes (mode, inserted)
        SELECT current_setting('synchronous_commit'), count(*) FROM added;
        RETURN NULL;
      END $$`);
    await admin.query(`
      CREATE TRIGGER note_unique_mode AFTER INSERT ON ${s}.unique_values
      REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION ${s}.note_unique_mode()`);
    const claim = (value: string, recordIndex: number) => ({ field: 'email', value, recordIndex });
    // A batch claim first, on the same connection: its asynchronous commit must not carry over.
    expect((await store.claimBatch(jobId, 'w')).claimed).toBe(true);
    // Free values: the plain INSERT.
    expect(await store.claimUniqueValues(jobId, [claim('a', 0), claim('b', 1)])).toEqual([0, 1]);
    // A taken value: the plain INSERT fails whole, the conflict-tolerant one inserts the rest.
    expect(await store.claimUniqueValues(jobId, [claim('b', 2), claim('c', 2)])).toEqual([1, 2]);
    const notes = await admin.query<{ mode: string; inserted: number }>(
      `SELECT mode, inserted FROM ${s}.unique_modes ORDER BY n`,
    );
    expect(notes.rows).toEqual([
      { mode: 'on', inserted: 2 },
      { mode: 'on', inserted: 1 },
    ]);
  });

  it('a claim lost in a crash costs its batch a retry: every record counted once', async () => {
    const di = new DistributedImport({ schema, batchSize: 4, stateStore: store });
    const { jobId } = await di.prepare(new BufferSource(csv(12)), new CsvParser());
    const s = `"${store.schema}"`;
    // The first claim is lost as a crash would lose an unflushed commit: its batch row goes
    // back to what it was before the claim, after the worker got the batch.
    const before = (
      await admin.query<Record<string, unknown>>(
        `SELECT * FROM ${s}.batches WHERE "jobId" = $1 AND "batchIndex" = 0`,
        [jobId],
      )
    ).rows[0]!;
    const columns = Object.keys(before);
    let lost = false;
    const crashing = new Proxy(store, {
      get(target, key, receiver) {
        if (key !== 'claimBatch') return Reflect.get(target, key, receiver) as unknown;
        return async (...args: Parameters<PostgresStateStore['claimBatch']>) => {
          const result = await target.claimBatch(...args);
          if (!lost && result.claimed) {
            lost = true;
            expect(result.reservation.batchIndex).toBe(0);
            await admin.query(
              `UPDATE ${s}.batches SET ${columns.map((c, i) => `"${c}" = $${i + 1}`).join(', ')}
               WHERE "jobId" = $${columns.length + 1} AND "id" = $${columns.length + 2}`,
              [...columns.map((c) => before[c]), jobId, result.reservation.batchId],
            );
          }
          return result;
        };
      },
    });
    const worker = new DistributedImport({ schema, batchSize: 4, stateStore: crashing });
    const handed: string[] = [];
    const errors: unknown[] = [];
    for (let calls = 0; calls < 20; calls += 1) {
      try {
        const result = await worker.processWorkerBatch(
          jobId,
          (record) => {
            handed.push(String(record.id));
          },
          'w',
        );
        if (result.jobComplete) break;
      } catch (error) {
        errors.push(error);
      }
    }
    expect(lost).toBe(true);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(LeaseLostError);
    // The lost claim's records went to the processor twice (at least once, as after a
    // reclaim); the store counts each once.
    expect(handed.filter((id) => Number(id) < 4).sort()).toEqual([
      '0',
      '0',
      '1',
      '1',
      '2',
      '2',
      '3',
      '3',
    ]);
    expect(handed.filter((id) => Number(id) >= 4)).toHaveLength(8);
    const status = await di.getStatus(jobId);
    expect(status.status).toBe('COMPLETED');
    expect(status.progress).toMatchObject({ processedRecords: 12, failedRecords: 0 });
    const batches = await admin.query<{ status: string; attempt: number }>(
      `SELECT status, attempt FROM ${s}.batches WHERE "jobId" = $1 ORDER BY "batchIndex"`,
      [jobId],
    );
    expect(batches.rows).toEqual([
      { status: 'COMPLETED', attempt: 1 },
      { status: 'COMPLETED', attempt: 1 },
      { status: 'COMPLETED', attempt: 1 },
    ]);
  });

  it('with asynchronousCommit, commit batch registrations and completions so too, and jobs durably', async () => {
    const fast = new PostgresStateStore({
      pool,
      schema: store.schema,
      batchPayloads: true,
      asynchronousCommit: true,
    });
    await expectAsynchronousBatchCommits(fast, await recordModes());
  });
});
