import Database from 'better-sqlite3';
import { BatchStatus, JobStatus, createBatch, createPendingRecord } from '@batchactions/core';
import { SCHEMA_VERSION, SCHEMA_VERSION_TABLE, SqliteStateStore } from '@batchactions/state-sqlite';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { MIGRATIONS } from '../src/sql/schema';
import { tempDb, type TempDb } from './temp-db';

let file: TempDb;
beforeEach(() => {
  file = tempDb('upgrade-v4');
});
afterEach(() => {
  file.remove();
});

/** The file exactly as version 4 of this package created it (released migrations never change). */
function createVersion4File(filename: string, rows: string): void {
  const old = new Database(filename);
  try {
    old.exec(
      `CREATE TABLE ${SCHEMA_VERSION_TABLE} (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)`,
    );
    for (const m of MIGRATIONS.filter((m) => m.version <= 4)) {
      old.exec(m.sql);
      old.prepare(`INSERT INTO ${SCHEMA_VERSION_TABLE} VALUES (?, ?)`).run(m.version, Date.now());
    }
    old.exec(rows);
  } finally {
    old.close();
  }
}

it('upgrades a database created at version 4: a prepare in progress continues, nothing is opened early or owned', async () => {
  const now = Date.now();
  // A job being prepared (heartbeat, one batch of 2 stored) and one opened by finishPrepare.
  createVersion4File(
    file.filename,
    `
    INSERT INTO batchactions_jobs (pk, id, status, config, total_records, started_at, distributed,
                                   prepare_heartbeat_at, prepare_finished_at)
      VALUES (1, 'preparing', 'CREATED', '{"batchSize":2}', 2, NULL, 1, ${now}, NULL),
             (2, 'opened', 'PROCESSING', '{"batchSize":2}', 2, ${now}, 1, NULL, ${now});
    INSERT INTO batchactions_batches (job_pk, id, batch_index, status, processed_count, failed_count,
                                      record_start, record_end, attempt)
      VALUES (1, 'p0', 0, 'PENDING', 0, 0, 0, 1, 0), (2, 'o0', 0, 'PENDING', 0, 0, 0, 1, 0);
    INSERT INTO batchactions_records (job_pk, record_index, batch_id, status, raw)
      VALUES (1, 0, 'p0', 'pending', '{"n":0}'), (1, 1, 'p0', 'pending', '{"n":1}'),
             (2, 0, 'o0', 'pending', '{"n":0}'), (2, 1, 'o0', 'pending', '{"n":1}');`,
  );

  const store = new SqliteStateStore({ filename: file.filename });
  await store.initialize();
  try {
    const preparing = await store.getJobDetails('preparing');
    expect(preparing).toMatchObject({ status: JobStatus.CREATED, totalRecords: 2 });
    expect(preparing?.prepareHeartbeatAgeMs).toBeGreaterThanOrEqual(0);
    expect(preparing?.openEarly).toBeUndefined();
    expect(preparing?.prepareStopped).toBeUndefined();
    expect(await store.listPreparedBatches('preparing')).toEqual([
      { batchId: 'p0', batchIndex: 0, recordStartIndex: 0, recordEndIndex: 1 },
    ]);
    // The prepare of version 4 had no owner: a run takes it at once and goes on from batch 1.
    expect(await store.takeOverPrepare('preparing', 'run-new', 60_000)).toEqual({ taken: true });
    const next = createBatch('p1', 1, [createPendingRecord(2, { n: 2 })]);
    await store.registerBatch('preparing', next, { prepareRun: 'run-new', sourceCursor: 'c1' });
    expect(await store.finishPrepare('preparing', 3, now, 'run-new')).toBe(JobStatus.PROCESSING);
    expect((await store.listPreparedBatches('preparing')).map((b) => b.sourceCursor)).toEqual([
      undefined,
      'c1',
    ]);

    // The job opened at version 4 finalises as before.
    expect(await store.takeOverPrepare('opened', 'run-new', 0)).toEqual({
      taken: false,
      reason: 'FINISHED',
    });
    const claim = await store.claimBatch('opened', 'w');
    if (!claim.claimed) throw new Error(`expected a claim, got ${claim.reason}`);
    await store.updateBatchState('opened', 'o0', {
      batchId: 'o0',
      status: BatchStatus.COMPLETED,
      processedCount: 2,
      failedCount: 0,
    });
    expect((await store.getDistributedStatus('opened')).isComplete).toBe(true);
    expect(await store.tryFinalizeJob('opened')).toBe(true);
  } finally {
    await store.close();
  }
  const db = new Database(file.filename, { readonly: true });
  try {
    expect(db.prepare(`SELECT max(version) AS v FROM ${SCHEMA_VERSION_TABLE}`).get()).toEqual({
      v: SCHEMA_VERSION,
    });
    expect(SCHEMA_VERSION).toBe(13);
  } finally {
    db.close();
  }
});
