import { afterEach, describe, expect, it } from 'vitest';
import type { Sequelize } from 'sequelize';
import { BufferSource } from '@batchactions/core';
import { DistributedImport } from '@batchactions/distributed';
import { CsvParser } from '@batchactions/import';
import { PrismaStateStore } from '@batchactions/state-prisma';
import { SequelizeStateStore } from '@batchactions/state-sequelize';
import {
  createTestDatabase,
  type PrismaTestDatabase,
  type TestPrismaClient,
} from './support/databases';
import { manualLoop } from './support/manual-loop';

// The Prisma and Sequelize stores keep the same tables: a fleet may run some workers on one and
// some on the other (docs/stores.md says so for the servers a fleet shares; one SQLite file
// from one process with both clients is not a setup either store supports).
const ROWS = 3_000;
const BATCH = 100;
const schema = {
  fields: [
    { name: 'email', type: 'email' as const, required: true },
    { name: 'n', type: 'string' as const, required: true },
  ],
};
/** Rows whose email is not an email: invalid, never handed to a processor. */
const isBroken = (i: number) => i % 101 === 7;

describe.each(['postgres', 'mariadb'] as const)(
  'Prisma and Sequelize workers on one job, on %s',
  (kind) => {
    let database: PrismaTestDatabase;
    const prismaClients: TestPrismaClient[] = [];
    const sequelizes: Sequelize[] = [];
    afterEach(async () => {
      await Promise.all(prismaClients.splice(0).map((client) => client.$disconnect()));
      await Promise.all(sequelizes.splice(0).map((sequelize) => sequelize.close()));
      await database.drop();
    });

    async function prismaStore(): Promise<PrismaStateStore> {
      const client = await database.connect();
      prismaClients.push(client);
      return new PrismaStateStore(client);
    }

    function sequelizeStore(): SequelizeStateStore {
      const sequelize = database.connectSequelize();
      sequelizes.push(sequelize);
      return new SequelizeStateStore(sequelize);
    }

    it('a job prepared through Prisma is processed by both, each record once, one finaliser', async () => {
      database = await createTestDatabase(kind, 'prisma sequelize mixed');
      const csv = [
        'email,n',
        ...Array.from({ length: ROWS }, (_, i) =>
          isBroken(i) ? `broken-${i},${i}` : `u${i}@example.com,${i}`,
        ),
      ];
      const preparer = new DistributedImport({
        schema,
        batchSize: BATCH,
        stateStore: await prismaStore(),
      });
      const { jobId, totalBatches } = await preparer.prepare(
        new BufferSource(csv.join('\n')),
        new CsvParser(),
      );
      expect(totalBatches).toBe(ROWS / BATCH);

      const seen = new Map<string, string[]>();
      const batchesBy = { prisma: 0, sequelize: 0 };
      const loop = async (client: 'prisma' | 'sequelize', workerId: string) => {
        const stateStore = client === 'prisma' ? await prismaStore() : sequelizeStore();
        if (stateStore instanceof SequelizeStateStore) await stateStore.initialize();
        const di = new DistributedImport({ schema, batchSize: BATCH, stateStore });
        return manualLoop(
          di,
          jobId,
          workerId,
          (n) => seen.set(n, [...(seen.get(n) ?? []), workerId]),
          () => (batchesBy[client] += 1),
        );
      };
      const finalised = await Promise.all([
        loop('prisma', 'prisma-1'),
        loop('sequelize', 'sequelize-1'),
        loop('prisma', 'prisma-2'),
        loop('sequelize', 'sequelize-2'),
      ]);

      const valid = Array.from({ length: ROWS }, (_, i) => i).filter((i) => !isBroken(i));
      expect(finalised.reduce((a, b) => a + b, 0)).toBe(1);
      expect([...seen.keys()].sort()).toEqual(valid.map(String).sort());
      expect([...seen.values()].every((workers) => workers.length === 1)).toBe(true);
      // Both clients did part of the job.
      expect(batchesBy.prisma).toBeGreaterThan(0);
      expect(batchesBy.sequelize).toBeGreaterThan(0);
      expect(batchesBy.prisma + batchesBy.sequelize).toBe(totalBatches);

      // Either store reads the finished job the same way.
      const byPrisma = await (await prismaStore()).getJobState(jobId);
      const bySequelize = await sequelizeStore().getJobState(jobId);
      expect(byPrisma?.status).toBe('COMPLETED');
      expect(bySequelize).toEqual(byPrisma);
      const failed = await sequelizeStore().getFailedRecords(jobId);
      expect(failed.map((record) => record.index).sort((a, b) => a - b)).toEqual(
        Array.from({ length: ROWS }, (_, i) => i).filter(isBroken),
      );
    }, 120_000);
  },
);
