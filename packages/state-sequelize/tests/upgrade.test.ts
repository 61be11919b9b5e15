import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { LATEST_SCHEMA_VERSION, SequelizeStateStore } from '@batchactions/state-sequelize';
import { MIGRATIONS } from '../../state-sql/src/migrations';
import { QueryTypes, type Sequelize } from 'sequelize';
import { createTestDatabase, DIALECTS, type TestDatabase } from './support/databases';
import { createPublishedTables } from './support/published-schema';
import { expectOneWorkerFinishes } from './support/finish-job';

const schema = {
  fields: [
    { name: 'email', type: 'email' as const, required: true },
    { name: 'name', type: 'string' as const, required: true },
  ],
};

/**
 * What 0.0.5's `DistributedImport.prepare` left behind, written the way its store wrote it:
 * records through `saveBatchRecords` (status pending, parsed = raw), then the job row with the
 * batch list in its `batches` JSON, and no batch rows (defect 1: the job can never be claimed).
 * The second batch is described as 0.0.4 did, without its record range.
 */
async function writePublishedJob(
  sequelize: Sequelize,
): Promise<{ jobId: string; emails: string[] }> {
  const jobId = randomUUID();
  const emails = Array.from({ length: 7 }, (_, i) => `user${i}@example.com`);
  const batchIds = [randomUUID(), randomUUID(), randomUUID()];
  const batchOf = (i: number) => batchIds[Math.floor(i / 3)] ?? '';
  const qi = sequelize.getQueryInterface();
  await qi.bulkInsert(
    'batchactions_records',
    emails.map((email, i) => {
      const raw = JSON.stringify({ email, name: `User ${i}` });
      return {
        jobId,
        batchId: batchOf(i),
        recordIndex: i,
        status: 'pending',
        raw,
        parsed: raw,
        errors: '[]',
        processingError: null,
      };
    }),
  );
  const entry = (index: number, start: number, end: number, range = true) => ({
    id: batchIds[index],
    index,
    status: 'PENDING',
    records: [],
    processedCount: 0,
    failedCount: 0,
    ...(range ? { recordStartIndex: start, recordEndIndex: end } : {}),
  });
  await qi.bulkInsert('batchactions_jobs', [
    {
      id: jobId,
      status: 'PROCESSING',
      config: JSON.stringify({ schema, batchSize: 3, continueOnError: true }),
      batches: JSON.stringify([entry(0, 0, 2), entry(1, 3, 5, false), entry(2, 6, 6)]),
      totalRecords: emails.length,
      startedAt: Date.now(),
      completedAt: null,
      distributed: true,
    },
  ]);
  return { jobId, emails };
}

async function count(sequelize: Sequelize, table: string): Promise<number> {
  const q = sequelize.getDialect() === 'postgres' ? '"' : '`';
  const rows = await sequelize.query<{ n: number | string }>(
    `SELECT count(*) AS n FROM ${q}${table}${q}`,
    { type: QueryTypes.SELECT },
  );
  return Number(rows[0]?.n);
}

describe.each(DIALECTS)('upgrading a database of the published 0.0.5 (%s)', (dialect) => {
  let database: TestDatabase;
  const open: Sequelize[] = [];
  afterEach(async () => {
    for (const s of open.splice(0)) await s.close();
    await database.drop();
  });

  it('migrates the tables in place and finishes a job that 0.0.5 left unclaimable', async () => {
    database = await createTestDatabase(dialect, 'upgrade');
    const old = database.connect();
    open.push(old);
    await createPublishedTables(old);
    const { jobId, emails } = await writePublishedJob(old);
    expect(await count(old, 'batchactions_batches')).toBe(0);

    // The upgraded process: the published quick start's store, never initialised by hand.
    const sequelize = database.connect();
    open.push(sequelize);
    const store = new SequelizeStateStore(sequelize);
    await expectOneWorkerFinishes(store, schema, jobId, emails, 'upgraded-worker');
    const job = await store.getJobState(jobId);
    expect(job?.status).toBe('COMPLETED');
    expect(job?.batches.map((b) => [b.index, b.recordStartIndex, b.recordEndIndex])).toEqual([
      [0, 0, 2],
      [1, 3, 5],
      [2, 6, 6],
    ]);
    expect(job?.batches.reduce((n, b) => n + b.processedCount, 0)).toBe(emails.length);
    const records = await store.getProcessedRecords(jobId);
    expect(records.map((r) => r.raw.email)).toEqual(emails);

    // The tables were upgraded in place: the published rows and columns are still there.
    expect(await count(sequelize, 'batchactions_records')).toBe(emails.length);
    expect(await count(sequelize, 'batchactions_batches')).toBe(3);
    const again = await new SequelizeStateStore(sequelize).migrate();
    expect(again).toEqual({
      fromVersion: LATEST_SCHEMA_VERSION,
      toVersion: LATEST_SCHEMA_VERSION,
      applied: [],
    });
    // Version 4 on an upgraded job: its summary was stored with the finalisation, reported once.
    expect((await store.getJobDetails(jobId))?.summary).toMatchObject({
      total: emails.length,
      processed: emails.length,
      failed: 0,
    });
    expect(await store.claimJobCompletion(jobId, 'someone-else')).toBeNull();
  });

  it('keeps working for a user of the published API on the upgraded tables (BulkImport-style writes)', async () => {
    database = await createTestDatabase(dialect, 'upgrade api');
    const old = database.connect();
    open.push(old);
    await createPublishedTables(old);
    const store = new SequelizeStateStore(old);
    expect(await store.migrate()).toEqual({
      fromVersion: 0,
      toVersion: LATEST_SCHEMA_VERSION,
      applied: MIGRATIONS.map((m) => m.version),
    });
    const jobId = randomUUID();
    await store.saveJobState({
      id: jobId,
      config: { batchSize: 2 },
      status: 'PROCESSING',
      batches: [],
      totalRecords: 2,
      startedAt: 1_700_000_000_000,
    });
    // Version 7: the database's clock when the job was first stored, kept by later saves.
    const createdAt = (await store.getJobDetails(jobId))?.createdAt;
    expect(createdAt).toBeGreaterThan(1_700_000_000_000);
    await store.saveJobState({
      id: jobId,
      config: { batchSize: 2 },
      status: 'PROCESSING',
      batches: [],
      totalRecords: 2,
      startedAt: 1_700_000_000_000,
    });
    expect((await store.getJobDetails(jobId))?.createdAt).toBe(createdAt);
    expect((await store.listJobs()).find((e) => e.jobId === jobId)?.createdAt).toBe(createdAt);
    await store.saveProcessedRecord(jobId, 'b0', {
      index: 0,
      raw: { email: 'a@x.io' },
      parsed: { email: 'a@x.io' },
      status: 'processed',
      errors: [],
      retryCount: 1,
    });
    await store.saveProcessedRecord(jobId, 'b0', {
      index: 1,
      raw: { email: 'bad' },
      parsed: { email: 'bad' },
      status: 'invalid',
      errors: [{ field: 'email', message: 'bad email', code: 'TYPE_MISMATCH' }],
    });
    expect((await store.getProcessedRecords(jobId)).map((r) => r.retryCount)).toEqual([1]);
    expect((await store.getFailedRecords(jobId)).map((r) => r.index)).toEqual([1]);
    const job = await store.getJobState(jobId);
    expect(job).toEqual({
      id: jobId,
      config: { batchSize: 2 },
      status: 'PROCESSING',
      batches: [],
      totalRecords: 2,
      startedAt: 1_700_000_000_000,
    });
  });
});
