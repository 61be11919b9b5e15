import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { PrismaStateStore } from '@batchactions/state-prisma';
import type { Sequelize } from 'sequelize';
import {
  createTestDatabase as createSequelizeDatabase,
  type TestDatabase,
} from '../../state-sequelize/tests/support/databases';
import { createPublishedTables } from '../../state-sequelize/tests/support/published-schema';
import { DATABASES, PROVIDER, adapterFor, type TestPrismaClient } from './support/databases';
import { loadPrismaClient } from './support/prisma-clients';
import { expectOneWorkerFinishes } from '../../state-sequelize/tests/support/finish-job';

const schema = {
  fields: [
    { name: 'email', type: 'email' as const, required: true },
    { name: 'name', type: 'string' as const, required: true },
  ],
};

/** A distributed job as the published Sequelize store 0.0.5 left it: no batch rows. */
async function writePublishedSequelizeJob(sequelize: Sequelize) {
  const jobId = randomUUID();
  const emails = Array.from({ length: 4 }, (_, i) => `user${String(i)}@example.com`);
  const batchIds = [randomUUID(), randomUUID()];
  const qi = sequelize.getQueryInterface();
  await qi.bulkInsert(
    'batchactions_records',
    emails.map((email, i) => {
      const raw = JSON.stringify({ email, name: `User ${String(i)}` });
      return {
        jobId,
        batchId: batchIds[i < 2 ? 0 : 1],
        recordIndex: i,
        status: 'pending',
        raw,
        parsed: raw,
        errors: '[]',
        processingError: null,
      };
    }),
  );
  const entry = (index: number) => ({
    id: batchIds[index],
    index,
    status: 'PENDING',
    records: [],
    processedCount: 0,
    failedCount: 0,
    recordStartIndex: index * 2,
    recordEndIndex: index * 2 + 1,
  });
  await qi.bulkInsert('batchactions_jobs', [
    {
      id: jobId,
      status: 'PROCESSING',
      config: JSON.stringify({ schema, batchSize: 2 }),
      batches: JSON.stringify([entry(0), entry(1)]),
      totalRecords: emails.length,
      startedAt: Date.now(),
      completedAt: null,
      distributed: true,
    },
  ]);
  return { jobId, emails };
}

describe.each(DATABASES)(
  'tables of the published Sequelize store 0.0.5, then PrismaStateStore (%s)',
  (kind) => {
    let database: TestDatabase;
    const closers: (() => Promise<void>)[] = [];
    afterEach(async () => {
      for (const close of closers.splice(0)) await close();
      await database.drop();
    });

    it('upgrades them in place and finishes the job 0.0.5 left unclaimable', async () => {
      database = await createSequelizeDatabase(kind, 'prisma after sequelize');
      const sequelize = database.connect();
      closers.push(() => sequelize.close());
      await createPublishedTables(sequelize);
      const { jobId, emails } = await writePublishedSequelizeJob(sequelize);

      const PrismaClient = await loadPrismaClient(PROVIDER[kind]);
      const env: Record<string, string> =
        kind === 'sqlite'
          ? { PRISMA_TEST_DB: kind, PRISMA_TEST_URL: database.childEnv.SEQ_STORAGE ?? '' }
          : {
              PRISMA_TEST_DB: kind,
              PRISMA_TEST_URL: database.childEnv.SEQ_URL ?? '',
              PRISMA_TEST_SCHEMA: database.childEnv.SEQ_SEARCH_PATH ?? '',
            };
      const prisma = new PrismaClient({ adapter: adapterFor(env) }) as unknown as TestPrismaClient;
      closers.push(() => prisma.$disconnect());
      const store = new PrismaStateStore(prisma);
      await expectOneWorkerFinishes(store, schema, jobId, emails, 'prisma-worker');
      expect((await store.getJobState(jobId))?.status).toBe('COMPLETED');
      expect((await store.getProcessedRecords(jobId)).map((r) => r.raw.email)).toEqual(emails);
    });
  },
);
