import { afterEach, describe, expect, it } from 'vitest';
import { InvalidOptionError, type JobState } from '@batchactions/core';
import { PrismaStateStore } from '@batchactions/state-prisma';
import {
  createMigratedTestDatabase,
  DATABASES,
  type PrismaTestDatabase,
  type TestPrismaClient,
} from './support/databases';

describe.each(DATABASES)('numbers 0.0.3 turned into BigInt (defect 11), on %s', (kind) => {
  let database: PrismaTestDatabase;
  let prisma: TestPrismaClient;
  afterEach(async () => {
    await prisma.$disconnect();
    await database.drop();
  });

  it('reclaims with a fractional timeoutMs and refuses an infinite one with InvalidOptionError', async () => {
    database = await createMigratedTestDatabase(kind, 'prisma bigint');
    prisma = await database.connect();
    const store = new PrismaStateStore(prisma);
    const job: JobState = {
      id: 'job-fraction',
      config: { batchSize: 1 },
      status: 'PROCESSING',
      batches: [
        { id: 'b0', index: 0, status: 'PENDING', records: [], processedCount: 0, failedCount: 0 },
      ],
      totalRecords: 1,
      startedAt: 1_700_000_000_000,
      distributed: true,
    };
    await store.saveJobState(job);
    expect((await store.claimBatch(job.id, 'w1')).claimed).toBe(true);
    // 0.0.3: RangeError (BigInt of a fraction), so every processWorkerBatch rejected.
    expect(await store.reclaimStaleBatches(job.id, 0.5)).toBeGreaterThanOrEqual(0);
    await expect(store.reclaimStaleBatches(job.id, Infinity)).rejects.toThrow(InvalidOptionError);
  });
});
