import { afterEach, describe, expect, it } from 'vitest';
import { DistributedImport } from '@batchactions/distributed';
import { BufferSource } from '@batchactions/core';
import { CsvParser } from '@batchactions/import';
import { PrismaStateStore } from '@batchactions/state-prisma';
import {
  createTestDatabase,
  DATABASES,
  type PrismaTestDatabase,
  type TestPrismaClient,
} from './support/databases';
import { manualLoop } from './support/manual-loop';

// The README suggests `compilerBuild = "small"` for short-lived worker processes (Prisma 7): the
// store sends raw SQL only, so it must work the same on a client generated with it.
const ROWS = 2_000;

describe.each(DATABASES)(
  'a Prisma 7 client generated with compilerBuild "small", on %s',
  (kind) => {
    let database: PrismaTestDatabase;
    const clients: TestPrismaClient[] = [];
    afterEach(async () => {
      await Promise.all(clients.splice(0).map((client) => client.$disconnect()));
      await database.drop();
    });

    it('runs a job through two worker loops, each with a client of its own: every record once, one finaliser', async () => {
      database = await createTestDatabase(kind, 'prisma small compiler');
      const connect = async () => {
        const client = await database.connect({ compilerBuild: 'small' });
        clients.push(client);
        return client;
      };
      const schema = {
        fields: [
          { name: 'email', type: 'email' as const, required: true },
          { name: 'n', type: 'string' as const, required: true },
        ],
      };
      const csv = ['email,n', ...Array.from({ length: ROWS }, (_, i) => `u${i}@example.com,${i}`)];
      const preparer = new DistributedImport({
        schema,
        batchSize: 150,
        stateStore: new PrismaStateStore(await connect()),
      });
      const { jobId, totalBatches } = await preparer.prepare(
        new BufferSource(csv.join('\n')),
        new CsvParser(),
      );
      expect(totalBatches).toBe(Math.ceil(ROWS / 150));

      const seen = new Map<string, number>();
      const loop = async (workerId: string) => {
        const di = new DistributedImport({
          schema,
          batchSize: 150,
          stateStore: new PrismaStateStore(await connect()),
        });
        return manualLoop(di, jobId, workerId, (n) => seen.set(n, (seen.get(n) ?? 0) + 1));
      };
      const finalised = await Promise.all([loop('small-1'), loop('small-2')]);
      expect(finalised[0] + finalised[1]).toBe(1);
      expect(seen.size).toBe(ROWS);
      expect([...seen.values()].every((count) => count === 1)).toBe(true);
    }, 120_000);
  },
);
