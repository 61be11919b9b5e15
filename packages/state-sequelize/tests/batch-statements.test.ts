import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { BatchLease, ProcessedRecord } from '@batchactions/core';
import { prepareJob } from '@batchactions/core/testing';
import { SequelizeStateStore } from '@batchactions/state-sequelize';
import type { Sequelize } from 'sequelize';
import { requireBuild } from './support/children';
import { createTestDatabase, DIALECTS, type TestDatabase } from './support/databases';

/** Every statement a Sequelize instance runs while `recording` is on, transaction control left out. */
function recorder(): { logging: (sql: string) => void; take: () => string[]; on: () => void } {
  let recording = false;
  let seen: string[] = [];
  return {
    logging: (sql: string) => {
      const text = sql.replace(/^Executing \([^)]*\): /, '').trim();
      if (recording && !/^(START TRANSACTION|BEGIN|COMMIT|SET TRANSACTION|SET SESSION)/i.test(text))
        seen.push(text);
    },
    on: () => {
      recording = true;
      seen = [];
    },
    take: () => {
      recording = false;
      return seen;
    },
  };
}

const processed = (records: readonly ProcessedRecord[]): ProcessedRecord[] =>
  records.map((r) => ({ ...r, status: 'processed' as const }));

describe.each(DIALECTS)('statements of a batch through the shared SQL store (%s)', (dialect) => {
  let database: TestDatabase;
  const open: Sequelize[] = [];
  beforeAll(() => {
    requireBuild();
  });
  afterEach(async () => {
    for (const s of open.splice(0)) await s.close();
    await database.drop();
  });

  async function storeWith(batchPayloads: boolean) {
    const log = recorder();
    const sequelize = database.connect({ logging: log.logging });
    open.push(sequelize);
    const store = new SequelizeStateStore(sequelize, { batchPayloads });
    await store.initialize();
    return { store, log };
  }

  async function claimReadComplete(store: SequelizeStateStore, jobId: string) {
    const claim = await store.claimBatch(jobId, 'w1');
    if (!claim.claimed) throw new Error('nothing claimed');
    const lease: BatchLease = { ...claim.reservation, attempt: claim.reservation.attempt ?? 1 };
    const records = await store.getBatchRecords(jobId, lease.batchId);
    return { lease, records };
  }

  it('reads a batch its claim found kept as rows with one statement, and completes it without the payload write', async () => {
    database = await createTestDatabase(dialect, 'rows statements');
    const { store, log } = await storeWith(false);
    const { jobId } = await prepareJob(store, 2, 3, { useRegisterBatch: true });

    const claim = await store.claimBatch(jobId, 'w1');
    if (!claim.claimed) throw new Error('nothing claimed');
    log.on();
    const records = await store.getBatchRecords(jobId, claim.reservation.batchId);
    const reads = log.take();
    expect(records.map((r) => r.index)).toEqual([0, 1, 2]);
    expect(reads).toHaveLength(1);
    expect(reads[0]).not.toMatch(/batch_payloads/);

    log.on();
    const lease: BatchLease = { ...claim.reservation, attempt: claim.reservation.attempt ?? 1 };
    await store.completeBatch(lease, processed(records), {
      status: 'COMPLETED',
      processedCount: 3,
      failedCount: 0,
    });
    const writes = log.take();
    // PostgreSQL completes a batch in one statement (which itself tells a payload batch
    // apart); the others complete one by its rows without trying the payload write first.
    if (dialect === 'postgres') expect(writes).toHaveLength(1);
    else expect(writes.join('\n')).not.toMatch(/batch_payloads/);
    expect(
      (await store.getBatchRecords(jobId, claim.reservation.batchId)).map((r) => r.status),
    ).toEqual(['processed', 'processed', 'processed']);
  });

  it('still reads and completes a batch kept as a payload through its payload', async () => {
    database = await createTestDatabase(dialect, 'payload statements');
    const { store } = await storeWith(true);
    const { jobId } = await prepareJob(store, 2, 3, { useRegisterBatch: true });
    const { lease, records } = await claimReadComplete(store, jobId);
    expect(records.map((r) => r.index)).toEqual([0, 1, 2]);
    await store.completeBatch(lease, processed(records), {
      status: 'COMPLETED',
      processedCount: 3,
      failedCount: 0,
    });
    expect((await store.getBatchRecords(jobId, lease.batchId)).map((r) => r.status)).toEqual([
      'processed',
      'processed',
      'processed',
    ]);
    // A store without the option, on the same tables, reads and completes the other batch by
    // its payload too (the claim does not take it for rows).
    const { store: plain, log } = await storeWith(false);
    const second = await claimReadComplete(plain, jobId);
    log.on();
    await plain.completeBatch(second.lease, processed(second.records), {
      status: 'COMPLETED',
      processedCount: 3,
      failedCount: 0,
    });
    expect(log.take().join('\n')).toMatch(/batch_payloads/);
    expect((await plain.getBatchRecords(jobId, second.lease.batchId)).map((r) => r.index)).toEqual([
      3, 4, 5,
    ]);
  });

  it.runIf(dialect === 'mariadb')(
    'completes a claimed, read batch in one statement, and writes nothing once another store took it over',
    async () => {
      database = await createTestDatabase(dialect, 'one statement fence');
      const { store: slow, log } = await storeWith(false);
      const { store: fast, log: fastLog } = await storeWith(false);
      const { jobId } = await prepareJob(slow, 2, 3, { useRegisterBatch: true });
      // The slow store claims and reads batch 0, as a worker does before its processor runs:
      // its completion may take the one-statement path (its own claim, every row read).
      const late = await claimReadComplete(slow, jobId);
      // Another process's store takes the batch over (the slow one's lease went stale).
      expect(await fast.reclaimStaleBatches(jobId, 0)).toBe(1);
      const taken = await claimReadComplete(fast, jobId);
      expect(taken.lease.batchId).toBe(late.lease.batchId);
      expect(taken.lease.attempt).toBe(late.lease.attempt + 1);

      log.on();
      await expect(
        slow.completeBatch(late.lease, processed(late.records), {
          status: 'COMPLETED',
          processedCount: 3,
          failedCount: 0,
        }),
      ).rejects.toMatchObject({ name: 'LeaseLostError' });
      // The one-statement completion ran first and changed nothing (its fence failed), then the
      // transactional one told that the lease is lost.
      const tried = log.take();
      expect(tried.some((sql) => /JSON_TABLE/.test(sql) && /STRAIGHT_JOIN/.test(sql))).toBe(true);
      const after = await fast.getBatchRecords(jobId, late.lease.batchId);
      expect(after.map((r) => r.status)).toEqual(['pending', 'pending', 'pending']);
      expect((await fast.getJobState(jobId))?.batches[0]).toMatchObject({
        status: 'PROCESSING',
        workerId: taken.lease.workerId,
      });

      // The store holding the batch completes it in one statement.
      fastLog.on();
      await fast.completeBatch(taken.lease, processed(taken.records), {
        status: 'COMPLETED',
        processedCount: 3,
        failedCount: 0,
      });
      const completion = fastLog.take();
      expect(completion).toHaveLength(1);
      expect(completion[0]).toMatch(/JSON_TABLE/);
      expect((await fast.getBatchRecords(jobId, late.lease.batchId)).map((r) => r.status)).toEqual([
        'processed',
        'processed',
        'processed',
      ]);
      expect((await fast.getJobState(jobId))?.batches[0]).toMatchObject({
        status: 'COMPLETED',
        processedCount: 3,
      });
    },
  );
});
