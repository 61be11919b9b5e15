import {
  BatchStatus,
  JobStatus,
  markRecordFailed,
  markRecordProcessed,
  type ProcessedRecord,
} from '@batchactions/core';
import { afterEach, describe, expect, it } from 'vitest';
import { PostgresStateStore } from '@batchactions/state-postgres';
import { MIGRATIONS } from '../src/migrations';
import { prepareTenRecords, runToEnd } from '../../../tests/support/upgrade-jobs';
import {
  createTestPool,
  dropSchema,
  testDatabaseUrl,
  uniqueSchemaName,
} from '../../../tests/support/postgres';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const LONG_VALUE = 'x'.repeat(200);

/**
 * A schema exactly as version 6 of this package left it (released migrations never change),
 * holding a job half processed by that version: 20 records in 4 batches of 5, the first
 * COMPLETED, the second claimed ten minutes ago by a worker that died, two PENDING; its unique
 * values; a job opened early whose prepare is running; a finished job whose completion is
 * claimed and acknowledged.
 */
async function versionSixSchema(schema: string): Promise<void> {
  const pool = createTestPool(1);
  try {
    await pool.query(`CREATE SCHEMA "${schema}"`);
    for (const m of MIGRATIONS.filter((m) => m.version <= 6)) {
      await pool.query(m.sql.replaceAll('{{schema}}', `"${schema}"`));
    }
    await pool.query(`CREATE TABLE "${schema}".schema_migrations (
      version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
    await pool.query(
      `INSERT INTO "${schema}".schema_migrations (version, name)
       SELECT v, 'v' || v FROM generate_series(1, 6) AS v`,
    );
    await pool.query(`
      INSERT INTO "${schema}".jobs (id, status, config, total_records, distributed, started_at,
                                    prepare_finished_at)
      VALUES ('half-job', 'PROCESSING', '{"batchSize":5,"continueOnError":true}', 20, true,
              now() - interval '1 minute', now() - interval '1 minute')`);
    await pool.query(`
      INSERT INTO "${schema}".batches (job_id, id, batch_index, status, record_start_index,
                                       record_end_index, processed_count, failed_count, attempt,
                                       worker_id, claimed_at)
      VALUES ('half-job', 'b0', 0, 'COMPLETED', 0, 4, 5, 0, 1, 'old-worker', now() - interval '50 seconds'),
             ('half-job', 'b1', 1, 'PROCESSING', 5, 9, 0, 0, 1, 'dead-worker', now() - interval '10 minutes'),
             ('half-job', 'b2', 2, 'PENDING', 10, 14, 0, 0, 0, NULL, NULL),
             ('half-job', 'b3', 3, 'PENDING', 15, 19, 0, 0, 0, NULL, NULL)`);
    await pool.query(`
      INSERT INTO "${schema}".records (job_id, record_index, batch_id, status, raw)
      SELECT 'half-job', i, 'b' || (i / 5), CASE WHEN i < 5 THEN 'processed' ELSE 'pending' END,
             json_build_object('n', i)
      FROM generate_series(0, 19) AS i`);
    await pool.query(
      `INSERT INTO "${schema}".unique_values (job_id, field, value, record_index)
       VALUES ('half-job', 'email', 'ann@example.com', 0), ('half-job', 'email', $1, 1),
              ('half-job', 'code', '#7', 2)`,
      [LONG_VALUE],
    );
    await pool.query(`
      INSERT INTO "${schema}".jobs (id, status, config, total_records, started_at, prepare_owner,
                                    prepare_heartbeat_at, prepare_open_early)
      VALUES ('early-job', 'PROCESSING', '{"batchSize":5}', 0, now(), 'run-1', now(), true)`);
    await pool.query(`
      INSERT INTO "${schema}".jobs (id, status, config, total_records, started_at, completed_at,
                                    prepare_finished_at, summary, completion_claimant,
                                    completion_claimed_at, completion_acknowledged_at)
      VALUES ('done-job', 'COMPLETED', '{"batchSize":5}', 3, now(), now(), now(),
              '{"total":3,"processed":3,"failed":0,"skipped":0,"elapsedMs":12}', 'w1', now(), now())`);
  } finally {
    await pool.end();
  }
}

function pendingRecord(index: number): ProcessedRecord {
  const raw = { n: index };
  return { index, raw, parsed: raw, status: 'pending', errors: [] };
}

describe('PostgresStateStore upgrade from version 6', () => {
  it('finishes a job half processed by version 6, counting every record once', async () => {
    const schema = uniqueSchemaName('upgrade from v6');
    cleanups.push(() => dropSchema(schema));
    await versionSixSchema(schema);
    const store = new PostgresStateStore({ connectionString: testDatabaseUrl(), schema });
    cleanups.push(() => store.close());

    expect(await store.initialize()).toMatchObject({
      fromVersion: 6,
      applied: MIGRATIONS.filter((m) => m.version > 6).map((m) => m.version),
    });

    const before = await store.getJobDetails('half-job');
    expect(before).toMatchObject({ status: JobStatus.PROCESSING, totalRecords: 20 });
    expect(Date.now() - (before?.startedAt ?? 0)).toBeGreaterThanOrEqual(60_000);
    expect(Date.now() - (before?.createdAt ?? 0)).toBeLessThan(600_000);
    expect(await store.getJobProgress('half-job')).toMatchObject({ processedRecords: 5 });
    // Values claimed by version 6 still hold: a long value was stored plainly then.
    expect(
      await store.claimUniqueValues('half-job', [
        { field: 'email', value: 'ann@example.com', recordIndex: 7 },
        { field: 'email', value: LONG_VALUE, recordIndex: 8 },
        { field: 'code', value: '#7', recordIndex: 9 },
      ]),
    ).toEqual([0, 1, 2]);

    // The dead worker's batch is stale (its claim time was converted), then every batch left
    // is claimed and finished by the new code.
    expect(await store.reclaimStaleBatches('half-job', 60_000)).toBe(1);
    const claimed: string[] = [];
    for (;;) {
      const claim = await store.claimBatch('half-job', 'new-worker');
      if (!claim.claimed) {
        expect(claim.reason).toBe('NO_PENDING_BATCHES');
        break;
      }
      const { reservation: r } = claim;
      claimed.push(`${r.batchId}@${String(r.attempt)}`);
      const records = await store.getBatchRecords('half-job', r.batchId);
      expect(records.map((record) => record.raw)).toEqual(
        Array.from({ length: 5 }, (_, i) => ({ n: r.recordStartIndex + i })),
      );
      await store.completeBatch(
        { jobId: r.jobId, batchId: r.batchId, workerId: r.workerId, attempt: r.attempt ?? 0 },
        records.map((record) => markRecordProcessed(record)),
        { status: BatchStatus.COMPLETED, processedCount: records.length, failedCount: 0 },
      );
    }
    expect(claimed).toEqual(['b1@2', 'b2@1', 'b3@1']);
    expect(await store.tryFinalizeJob('half-job')).toBe(true);

    expect(await store.getJobStatus('half-job')).toBe(JobStatus.COMPLETED);
    const processed = await store.getProcessedRecords('half-job');
    expect(processed.map((r) => r.index)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(await store.getFailedRecords('half-job')).toEqual([]);
    expect(await store.getJobProgress('half-job')).toMatchObject({
      totalRecords: 20,
      processedRecords: 20,
      failedRecords: 0,
      percentage: 100,
      currentBatch: 4,
      totalBatches: 4,
    });
    expect(await store.claimJobCompletion('half-job', 'new-worker')).toMatchObject({
      total: 20,
      processed: 20,
      failed: 0,
      skipped: 0,
    });
    expect(await store.getDistributedStatus('half-job')).toMatchObject({
      completedBatches: 4,
      isComplete: true,
    });
  });

  it('with batchPayloads on, finishes the half-processed job from its rows beside a new job stored as payloads', async () => {
    const schema = uniqueSchemaName('upgrade payloads from v6');
    cleanups.push(() => dropSchema(schema));
    await versionSixSchema(schema);
    const store = new PostgresStateStore({
      connectionString: testDatabaseUrl(),
      schema,
      batchPayloads: true,
    });
    cleanups.push(() => store.close());
    await store.initialize();

    // A new job, stored as payloads, prepared while the old one runs.
    await prepareTenRecords(store, 'new-job', pendingRecord);

    expect(await store.reclaimStaleBatches('half-job', 60_000)).toBe(1);
    // Record 7 of each job fails.
    await runToEnd(store, ['half-job', 'new-job'], 'new-worker', (record) =>
      record.index === 7 ? markRecordFailed(record, 'boom') : markRecordProcessed(record),
    );

    const half = await store.getProcessedRecords('half-job');
    expect(half.map((r) => r.index)).toEqual(
      Array.from({ length: 20 }, (_, i) => i).filter((i) => i !== 7),
    );
    const fresh = await store.getProcessedRecords('new-job');
    expect(fresh.map((r) => r.index)).toEqual([0, 1, 2, 3, 4, 5, 6, 8, 9]);
    expect(fresh[0]?.raw).toEqual({ n: 0 });
    for (const jobId of ['half-job', 'new-job']) {
      expect(await store.getFailedRecords(jobId)).toMatchObject([
        { index: 7, status: 'failed', processingError: 'boom' },
      ]);
      expect(await store.getPendingRecords(jobId)).toEqual([]);
    }
    expect(await store.getProgress('new-job')).toMatchObject({
      processedRecords: 9,
      failedRecords: 1,
      pendingRecords: 0,
    });
    expect(await store.listFailedRecords('new-job')).toMatchObject([{ index: 7 }]);
  });

  it('keeps the prepare and completion marks of version 6', async () => {
    const schema = uniqueSchemaName('upgrade marks from v6');
    cleanups.push(() => dropSchema(schema));
    await versionSixSchema(schema);
    const store = new PostgresStateStore({ connectionString: testDatabaseUrl(), schema });
    cleanups.push(() => store.close());
    await store.initialize();

    // Opened early while its prepare runs: still open early, still owned, not finalisable.
    const early = await store.getJobDetails('early-job');
    expect(early).toMatchObject({ status: JobStatus.PROCESSING, openEarly: true });
    expect(early?.prepareHeartbeatAgeMs).toBeLessThan(600_000);
    expect(await store.heartbeatPrepare('early-job', 'run-1')).toBe(true);
    expect(await store.heartbeatPrepare('early-job', 'run-2')).toBe(false);
    expect(await store.tryFinalizeJob('early-job')).toBe(false);
    expect(await store.finishPrepare('early-job', 0, Date.now(), 'run-1')).toBe(
      JobStatus.PROCESSING,
    );
    expect((await store.getJobDetails('early-job'))?.openEarly).toBeUndefined();

    // Claimed and acknowledged by version 6: the claimant gets its summary again, nobody
    // takes the completion over.
    const summary = { total: 3, processed: 3, failed: 0, skipped: 0, elapsedMs: 12 };
    expect(await store.claimJobCompletion('done-job', 'w1')).toEqual(summary);
    expect(await store.claimJobCompletion('done-job', 'w2', { takeOverAfterMs: 0 })).toBeNull();
    expect(await store.acknowledgeJobCompletion('done-job', 'w1')).toBe(true);
    expect((await store.getJobDetails('done-job'))?.summary).toEqual(summary);
  });
});
