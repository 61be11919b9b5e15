import { PrismaStateStore, type PrismaBatchactionsClient } from '@batchactions/state-prisma';
import { afterEach, describe, expect, it } from 'vitest';
import {
  expectAsynchronousBatchCommits,
  recordCommitModes,
} from '../../../tests/support/commit-modes';
import { invalidOptionOf } from '../../../tests/support/option-error';
import {
  createMigratedTestDatabase,
  type PrismaTestDatabase,
  type TestPrismaClient,
} from './support/databases';

/** A stand-in client of `provider`: the constructor performs no I/O. */
function fakeClient(provider: string): PrismaBatchactionsClient {
  const fail = () => Promise.reject(new Error('no I/O expected'));
  return Object.assign(
    { $queryRawUnsafe: fail, $executeRawUnsafe: fail, $transaction: fail },
    { _activeProvider: provider },
  );
}

let database: PrismaTestDatabase | undefined;
let client: TestPrismaClient | undefined;
afterEach(async () => {
  await client?.$disconnect();
  await database?.drop();
  client = undefined;
  database = undefined;
});

describe('PrismaStateStore asynchronousCommit', () => {
  it.each(['mysql', 'sqlite'])(
    'is refused for the %s provider, naming the option (false is accepted)',
    (provider) => {
      const refused = invalidOptionOf(
        () => new PrismaStateStore(fakeClient(provider), { asynchronousCommit: true }),
      );
      expect(refused.option).toBe('asynchronousCommit');
      expect(refused.message).toMatch(/only PostgreSQL/);
      expect(
        () => new PrismaStateStore(fakeClient(provider), { asynchronousCommit: false }),
      ).not.toThrow();
      const wrongType = invalidOptionOf(
        () => new PrismaStateStore(fakeClient('postgresql'), { asynchronousCommit: 1 as never }),
      );
      expect(wrongType.message).toContain('true or false');
    },
  );

  it('on PostgreSQL commits batch writes without waiting for the WAL flush, and the job durably', async () => {
    const db = await createMigratedTestDatabase('postgres', 'async commit prisma');
    database = db;
    // Synchronous by the connections' own setting: the test server may run with it off.
    const prisma = await db.connect({ pgOptions: '-c synchronous_commit=on' });
    client = prisma;
    const store = new PrismaStateStore(prisma, { asynchronousCommit: true, batchPayloads: true });
    await store.initialize();
    const modes = await recordCommitModes(async (sql) => prisma.$queryRawUnsafe<unknown[]>(sql), {
      schema: db.name,
      batches: `"${db.name}".batchactions_batches`,
      jobs: `"${db.name}".batchactions_jobs`,
    });
    await expectAsynchronousBatchCommits(store, modes);
  });
});
