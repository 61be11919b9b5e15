import { afterEach, describe, expect, it } from 'vitest';
import { BatchStatus, JobStatus, createBatch, createPendingRecord } from '@batchactions/core';
import { LATEST_SCHEMA_VERSION, SequelizeStateStore } from '@batchactions/state-sequelize';
import type { Sequelize } from 'sequelize';
import { migratePublishedTables, quoteTables, resolveTableNames } from '@batchactions/state-sql';
import { Db, forFamily } from '../../state-sql/src/db';
import { MIGRATIONS } from '../../state-sql/src/migrations';
import { sequelizeExecutor } from '../src/sequelize-executor';
import { createTestDatabase, DIALECTS, type TestDatabase } from './support/databases';

/**
 * The tables as version 4 of this package left them (released migrations never change), with a
 * job being prepared (heartbeat set, one batch of 2 stored) and one opened by `finishPrepare`.
 */
async function version4Tables(sequelize: Sequelize): Promise<void> {
  const db = new Db(sequelizeExecutor(sequelize));
  const names = resolveTableNames(undefined);
  const t = quoteTables(names);
  expect(await migratePublishedTables(db.executor, names, 4)).toMatchObject({ toVersion: 4 });
  const now = Date.now();
  const config = JSON.stringify({ batchSize: 2 });
  const raw = (n: number) => JSON.stringify({ n });
  // JSON goes through binds: the MySQL family's statements turn every double quote into a backtick.
  const statements: [string, unknown[]][] = [
    [
      `INSERT INTO ${t.jobs} ("id", "status", "config", "batches", "totalRecords", "startedAt",
                             "distributed", "prepareHeartbeatAt", "prepareFinishedAt")
       VALUES ('preparing', 'CREATED', $1, $2, 0, NULL, true, $3, NULL),
              ('opened', 'PROCESSING', $1, $2, 2, $3, true, NULL, $3)`,
      [config, '[]', now],
    ],
    [
      `INSERT INTO ${t.batches} ("id", "jobId", "batchIndex", "status", "recordStartIndex",
                                "recordEndIndex", "processedCount", "failedCount")
       VALUES ('p0', 'preparing', 0, 'PENDING', 0, 1, 0, 0),
              ('o0', 'opened', 0, 'PENDING', 0, 1, 0, 0)`,
      [],
    ],
    [
      `INSERT INTO ${t.records} ("jobId", "batchId", "recordIndex", "status", "raw", "parsed", "errors")
       VALUES ('preparing', 'p0', 0, 'pending', $1, $1, $3), ('preparing', 'p0', 1, 'pending', $2, $2, $3),
              ('opened', 'o0', 0, 'pending', $1, $1, $3), ('opened', 'o0', 1, 'pending', $2, $2, $3)`,
      [raw(0), raw(1), '[]'],
    ],
  ];
  for (const [sql, bind] of statements) {
    await db.run(forFamily(db.family, sql), bind);
  }
}

describe.each(DIALECTS)('upgrading tables of schema version 4 (%s)', (dialect) => {
  let database: TestDatabase;
  let sequelize: Sequelize | undefined;
  afterEach(async () => {
    await sequelize?.close();
    await database.drop();
  });

  it('lets a prepare in progress continue under a run, with nothing opened early or owned, and finalises an opened job as before', async () => {
    database = await createTestDatabase(dialect, 'upgrade v4');
    sequelize = database.connect();
    await version4Tables(sequelize);

    const store = new SequelizeStateStore(sequelize);
    expect(await store.migrate()).toEqual({
      fromVersion: 4,
      toVersion: LATEST_SCHEMA_VERSION,
      applied: MIGRATIONS.filter((m) => m.version > 4).map((m) => m.version),
    });
    expect(LATEST_SCHEMA_VERSION).toBe(12);
    const preparing = await store.getJobDetails('preparing');
    expect(preparing).toMatchObject({ status: JobStatus.CREATED, totalRecords: 2 });
    expect(preparing?.prepareHeartbeatAgeMs).toBeGreaterThanOrEqual(0);
    expect(preparing?.openEarly).toBeUndefined();
    expect(preparing?.prepareStopped).toBeUndefined();
    // Jobs stored before version 7 have no creation time; new ones get the database's clock.
    expect(preparing?.createdAt).toBeUndefined();
    expect(await store.listPreparedBatches('preparing')).toEqual([
      { batchId: 'p0', batchIndex: 0, recordStartIndex: 0, recordEndIndex: 1 },
    ]);
    // The prepare of version 4 had no owner: a run takes it at once and goes on from batch 1.
    expect(await store.takeOverPrepare('preparing', 'run-new', 60_000)).toEqual({ taken: true });
    const next = createBatch('p1', 1, [createPendingRecord(2, { n: 2 })]);
    await store.registerBatch('preparing', next, { prepareRun: 'run-new', sourceCursor: 'c1' });
    expect(await store.finishPrepare('preparing', 3, Date.now(), 'run-new')).toBe(
      JobStatus.PROCESSING,
    );
    expect((await store.listPreparedBatches('preparing')).map((b) => b.sourceCursor)).toEqual([
      undefined,
      'c1',
    ]);

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
  });
});
