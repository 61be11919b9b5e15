import { createHash } from 'node:crypto';
import Database from 'better-sqlite3';
import { BatchStatus, JobStatus, type ProcessedRecord } from '@batchactions/core';
import { SCHEMA_VERSION, SCHEMA_VERSION_TABLE, SqliteStateStore } from '@batchactions/state-sqlite';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { MIGRATIONS } from '../src/sql/schema';
import { prepareTenRecords, runToEnd } from '../../../tests/support/upgrade-jobs';
import { tempDb, type TempDb } from './temp-db';

let file: TempDb;
beforeEach(() => {
  file = tempDb('upgrade-v7');
});
afterEach(() => {
  file.remove();
});

const LONG_VALUE = `long-${'v'.repeat(200)}`;
const HOUR = 3_600_000;

/**
 * A file exactly as version 7 of this package left it (released migrations never change),
 * holding a job half processed by workers that died: 4 batches of 5 records, batch 0
 * COMPLETED (its records processed, one invalid), batch 1 PROCESSING for an hour by a dead
 * worker (attempt 1, one record processed), batches 2 and 3 PENDING; unique values claimed
 * (one long enough to be hashed by the shared store, one starting with `#`). Beside it, a
 * finished job with its summary and acknowledged completion.
 */
function createVersion7File(filename: string, now: number): void {
  const old = new Database(filename);
  try {
    old.exec(
      `CREATE TABLE ${SCHEMA_VERSION_TABLE} (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)`,
    );
    for (const m of MIGRATIONS.filter((m) => m.version <= 7)) {
      old.exec(m.sql);
      old.prepare(`INSERT INTO ${SCHEMA_VERSION_TABLE} VALUES (?, ?)`).run(m.version, now);
    }
    old
      .prepare(
        `INSERT INTO batchactions_jobs (pk, id, status, config, total_records, started_at, distributed,
                                        prepare_finished_at, created_at)
         VALUES (7, 'half', 'PROCESSING', '{"batchSize":5}', 20, ?, 1, ?, ?)`,
      )
      .run(now - 2 * HOUR, now - 2 * HOUR, now - 3 * HOUR);
    old
      .prepare(
        `INSERT INTO batchactions_jobs (pk, id, status, config, total_records, started_at,
                                        completed_at, distributed, prepare_finished_at, summary,
                                        completion_claimant, completion_claimed_at,
                                        completion_acknowledged_at, created_at)
         VALUES (3, 'done', 'COMPLETED', '{"batchSize":1}', 1, ?, ?, 1, ?, '{"total":1}', 'w-x', ?, ?, ?)`,
      )
      .run(now - HOUR, now - HOUR + 5, now - HOUR, now - HOUR + 6, now - HOUR + 7, now - HOUR);
    const batch = old.prepare(
      `INSERT INTO batchactions_batches (job_pk, id, batch_index, status, processed_count,
         failed_count, worker_id, claimed_at, record_start, record_end, attempt, error, source_cursor)
       VALUES (7, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, ?)`,
    );
    batch.run('b0', 0, 'COMPLETED', 4, 1, 'w-dead', now - 2 * HOUR, 0, 4, 1, 'c0');
    batch.run('b1', 1, 'PROCESSING', 0, 0, 'w-dead', now - HOUR, 5, 9, 1, 'c1');
    batch.run('b2', 2, 'PENDING', 0, 0, null, null, 10, 14, 0, 'c2');
    batch.run('b3', 3, 'PENDING', 0, 0, null, null, 15, 19, 0, null);
    old
      .prepare(
        `INSERT INTO batchactions_batches (job_pk, id, batch_index, status, processed_count,
           failed_count, record_start, record_end, attempt) VALUES (3, 'd0', 0, 'COMPLETED', 1, 0, 0, 0, 1)`,
      )
      .run();
    const record = old.prepare(
      `INSERT INTO batchactions_records (job_pk, record_index, batch_id, status, raw, parsed, errors)
       VALUES (?, ?, ?, ?, ?, ?, ?)`,
    );
    for (let i = 0; i < 20; i += 1) {
      const raw = JSON.stringify({ n: String(i) });
      const batchId = `b${Math.floor(i / 5)}`;
      if (i === 3) {
        record.run(7, i, batchId, 'invalid', raw, null, '[{"field":"n","message":"bad"}]');
      } else if (i < 5 || i === 5) {
        record.run(7, i, batchId, 'processed', raw, JSON.stringify({ n: i }), null);
      } else {
        record.run(7, i, batchId, 'pending', raw, null, null);
      }
    }
    record.run(3, 0, 'd0', 'processed', '{"n":"0"}', null, null);
    const unique = old.prepare(
      `INSERT INTO batchactions_unique_values (job_pk, field, value, record_index) VALUES (7, ?, ?, ?)`,
    );
    unique.run('email', 'a@x.io', 0);
    unique.run('email', LONG_VALUE, 1);
    unique.run('email', '#tag', 2);
  } finally {
    old.close();
  }
}

it('upgrades a version 7 file holding a half-processed job, and the new code finishes it, counting every record once', async () => {
  const now = Date.now();
  createVersion7File(file.filename, now);
  const store = new SqliteStateStore({ filename: file.filename });
  await store.initialize();
  try {
    expect(await store.readSchemaVersion()).toEqual({
      current: SCHEMA_VERSION,
      expected: SCHEMA_VERSION,
    });
    const job = await store.getJobState('half');
    expect(job).toMatchObject({ status: JobStatus.PROCESSING, totalRecords: 20 });
    expect(
      job?.batches.map((b) => [b.id, b.status, b.attempt, b.workerId ?? null, b.processedCount]),
    ).toEqual([
      ['b0', BatchStatus.COMPLETED, 1, 'w-dead', 4],
      ['b1', BatchStatus.PROCESSING, 1, 'w-dead', 0],
      ['b2', BatchStatus.PENDING, 0, null, 0],
      ['b3', BatchStatus.PENDING, 0, null, 0],
    ]);
    expect((await store.listPreparedBatches('half')).map((b) => b.sourceCursor)).toEqual([
      'c0',
      'c1',
      'c2',
      undefined,
    ]);
    expect(await store.getJobDetails('half')).toMatchObject({ createdAt: now - 3 * HOUR });
    expect(await store.getJobDetails('done')).toMatchObject({
      status: JobStatus.COMPLETED,
      summary: { total: 1 },
    });
    // The completion stays with its acknowledged claimant.
    expect(await store.claimJobCompletion('done', 'w-y', { takeOverAfterMs: 0 })).toBeNull();
    // Unique values keep their holders, the long one and the one starting with `#` included.
    expect(
      await store.claimUniqueValues('half', [
        { field: 'email', value: 'a@x.io', recordIndex: 10 },
        { field: 'email', value: LONG_VALUE, recordIndex: 11 },
        { field: 'email', value: '#tag', recordIndex: 12 },
        { field: 'email', value: 'new@x.io', recordIndex: 13 },
      ]),
    ).toEqual([0, 1, 2, 13]);
    const reader = new Database(file.filename, { readonly: true });
    const keys = reader
      .prepare(`SELECT "valueKey" FROM batchactions_unique_values WHERE "jobId" = 'half'`)
      .pluck()
      .all();
    reader.close();
    expect(keys).toContain(`#${createHash('sha256').update(LONG_VALUE).digest('hex')}`);

    // The dead worker's batch goes back (its attempt counted), then every batch left is done.
    expect(await store.reclaimStaleBatches('half', 60_000)).toBe(1);
    const claimedAttempts: number[] = [];
    for (;;) {
      const claim = await store.claimBatch('half', 'w-new');
      if (!claim.claimed) {
        expect(claim.reason).toBe('NO_PENDING_BATCHES');
        break;
      }
      claimedAttempts.push(claim.reservation.attempt ?? 0);
      const records = await store.getBatchRecords('half', claim.reservation.batchId);
      expect(records.map((r) => r.index)).toEqual(
        Array.from({ length: 5 }, (_, k) => claim.reservation.recordStartIndex + k),
      );
      const done: ProcessedRecord[] = records.map((r) => ({
        ...r,
        status: 'processed',
        parsed: { n: Number(r.raw.n) },
      }));
      await store.completeBatch(
        {
          jobId: 'half',
          batchId: claim.reservation.batchId,
          workerId: 'w-new',
          attempt: claim.reservation.attempt ?? 0,
        },
        done,
        { status: BatchStatus.COMPLETED, processedCount: 5, failedCount: 0 },
      );
    }
    expect(claimedAttempts).toEqual([2, 1, 1]);
    expect(await store.tryFinalizeJob('half')).toBe(true);
    expect(await store.getJobStatus('half')).toBe(JobStatus.COMPLETED);

    const processed = await store.getProcessedRecords('half');
    const failed = await store.getFailedRecords('half');
    expect(processed.map((r) => r.index)).toEqual(
      Array.from({ length: 20 }, (_, i) => i).filter((i) => i !== 3),
    );
    expect(failed.map((r) => [r.index, r.errors])).toEqual([[3, [{ field: 'n', message: 'bad' }]]]);
    // Records of version 7 keep their payloads: the raw text, the parsed one where it differed.
    expect(processed.find((r) => r.index === 0)).toMatchObject({
      raw: { n: '0' },
      parsed: { n: 0 },
    });
    expect(await store.getJobProgress('half')).toMatchObject({
      totalRecords: 20,
      processedRecords: 19,
      failedRecords: 1,
      pendingRecords: 0,
    });
  } finally {
    await store.close();
  }
});

it('upgrades in one transaction: a failed upgrade leaves the file at version 7 with every row, and a later one succeeds', async () => {
  createVersion7File(file.filename, Date.now());
  // A table in the way of the rebuild's rename makes version 8 fail halfway.
  const blocker = new Database(file.filename);
  blocker.exec('CREATE TABLE batchactions_records_v7 (x INTEGER)');
  blocker.close();
  const count = (sql: string) => {
    const db = new Database(file.filename, { readonly: true });
    try {
      return db.prepare(sql).pluck().get();
    } finally {
      db.close();
    }
  };
  await expect(new SqliteStateStore({ filename: file.filename }).initialize()).rejects.toThrow(
    /batchactions_records_v7/,
  );
  expect(count(`SELECT max(version) FROM ${SCHEMA_VERSION_TABLE}`)).toBe(7);
  expect(count('SELECT count(*) FROM batchactions_records WHERE job_pk = 7')).toBe(20);
  expect(count('SELECT count(*) FROM batchactions_batches')).toBe(5);

  const unblock = new Database(file.filename);
  unblock.exec('DROP TABLE batchactions_records_v7');
  unblock.close();
  const store = new SqliteStateStore({ filename: file.filename });
  await store.initialize();
  try {
    expect((await store.getJobState('half'))?.batches).toHaveLength(4);
    expect(count('SELECT count(*) FROM batchactions_records')).toBe(21);
    expect(count('SELECT count(*) FROM batchactions_unique_values')).toBe(3);
  } finally {
    await store.close();
  }
});

it('with batchPayloads on, finishes the half-processed job from its rows beside a new job stored as payloads', async () => {
  createVersion7File(file.filename, Date.now());
  const store = new SqliteStateStore({ filename: file.filename, batchPayloads: true });
  await store.initialize();
  try {
    await prepareTenRecords(store, 'new', (index): ProcessedRecord => {
      const raw = { n: String(index) };
      return { index, raw, parsed: raw, status: 'pending', errors: [] };
    });

    expect(await store.reclaimStaleBatches('half', 60_000)).toBe(1);
    // Record 7 of each job fails; the others are processed into a parsed copy.
    await runToEnd(store, ['half', 'new'], 'w-new', (record) =>
      record.index === 7
        ? { ...record, status: 'failed', processingError: 'boom' }
        : { ...record, status: 'processed', parsed: { n: Number(record.raw.n) } },
    );

    const half = await store.getProcessedRecords('half');
    expect(half.map((r) => r.index)).toEqual(
      Array.from({ length: 20 }, (_, i) => i).filter((i) => i !== 3 && i !== 7),
    );
    expect((await store.getFailedRecords('half')).map((r) => [r.index, r.status])).toEqual([
      [3, 'invalid'],
      [7, 'failed'],
    ]);
    const fresh = await store.getProcessedRecords('new');
    expect(fresh.map((r) => r.index)).toEqual([0, 1, 2, 3, 4, 5, 6, 8, 9]);
    expect(fresh[0]).toMatchObject({ raw: { n: '0' }, parsed: { n: 0 } });
    expect(await store.getFailedRecords('new')).toMatchObject([
      { index: 7, status: 'failed', processingError: 'boom', raw: { n: '7' } },
    ]);
    expect(await store.getPendingRecords('new')).toEqual([]);
    expect(await store.getProgress('new')).toMatchObject({
      processedRecords: 9,
      failedRecords: 1,
      pendingRecords: 0,
    });
    expect(await store.getProgress('half')).toMatchObject({
      processedRecords: 18,
      failedRecords: 2,
    });
  } finally {
    await store.close();
  }
});
