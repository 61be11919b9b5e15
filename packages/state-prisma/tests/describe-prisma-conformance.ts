// The conformance suite on PrismaStateStore: conformance.test.ts and conformance-matrix.test.ts
// (default layout) and conformance-batch-payloads.test.ts (`batchPayloads`, issue 28).
import type { DistributedStateStore } from '@batchactions/core';
import { describeDistributedStateStore } from '@batchactions/core/testing';
import { PrismaStateStore } from '@batchactions/state-prisma';
import { mariadbGates } from '../../../tests/support/mariadb-batch-write-gate';
import { holdPgBatchWrites, holdPgClaims } from '../../../tests/support/pg-batch-write-gate';
import {
  createMigratedTestDatabase,
  DATABASES,
  type PrismaTestDatabase,
  type TestDatabaseKind,
  type TestPrismaClient,
} from './support/databases';
import type { PrismaMajor } from './support/prisma-clients';

type Runs = readonly (readonly [PrismaMajor, TestDatabaseKind])[];

/** Prisma 7 on every database; Prisma 6 on PostgreSQL and SQLite (issue 24). */
export const EVERY_PRISMA: Runs = [
  ...DATABASES.map((kind) => [7, kind] as const),
  [6, 'postgres'],
  [6, 'sqlite'],
];

/**
 * What `npm test` runs (conformance.test.ts): Prisma 7 on PostgreSQL and SQLite. The rest of
 * `EVERY_PRISMA` (Prisma 7 on MariaDB, Prisma 6) is conformance-matrix.test.ts, a slow suite CI
 * runs: MariaDB is in `npm test` through Sequelize, on the same shared SQL.
 */
export const PRISMA_QUICK: Runs = [
  [7, 'postgres'],
  [7, 'sqlite'],
];

/** `EVERY_PRISMA` but `PRISMA_QUICK`. */
export const PRISMA_MATRIX: Runs = EVERY_PRISMA.filter(
  ([major, kind]) => !PRISMA_QUICK.some(([m, k]) => m === major && k === kind),
);

/** Prisma 7 on every database. */
export const PRISMA_7: Runs = DATABASES.map((kind) => [7, kind] as const);

const opened = new Map<
  DistributedStateStore,
  { prisma: TestPrismaClient; database: PrismaTestDatabase }
>();

function entryOf(store: DistributedStateStore) {
  const entry = opened.get(store);
  if (entry === undefined) throw new Error('not a store of this test file');
  return entry;
}

/** The URL of the MariaDB database of `store`. */
function mariadbUrlOf(store: DistributedStateStore): string {
  const url = entryOf(store).database.childEnv.PRISMA_TEST_URL;
  if (url === undefined) throw new Error('not a MariaDB store of this test file');
  return url;
}

/** The conformance suite on `runs`, in the default layout or with `batchPayloads`. */
export function describePrismaConformance(runs: Runs, batchPayloads: boolean): void {
  let counter = 0;
  for (const [major, kind] of runs) {
    const quote = (name: string) => (kind === 'mariadb' ? `\`${name}\`` : `"${name}"`);
    describeDistributedStateStore(
      `PrismaStateStore, Prisma ${String(major)} (${kind}${batchPayloads ? ', batchPayloads' : ''})`,
      async () => {
        const database = await createMigratedTestDatabase(
          kind,
          `prisma conformance${batchPayloads ? ' payloads' : ''} ${String((counter += 1))}`,
          major,
        );
        const prisma = await database.connect({ poolSize: 10 });
        const store = new PrismaStateStore(prisma, { batchPayloads });
        await store.initialize();
        opened.set(store, { prisma, database });
        return store;
      },
      {
        teardown: async (store) => {
          const entry = opened.get(store);
          opened.delete(store);
          await entry?.prisma.$disconnect();
          await entry?.database.drop();
        },
        agePrepareHeartbeat: async (store, jobId, byMs) => {
          const column = quote('prepareHeartbeatAt');
          const sql = `UPDATE ${quote('batchactions_jobs')} SET ${column} = ${column} - ${kind === 'postgres' ? '$2' : '?'} WHERE ${quote('id')} = ${kind === 'postgres' ? '$1' : '?'}`;
          const values = kind === 'postgres' ? [jobId, byMs] : [byMs, jobId];
          await entryOf(store).prisma.$executeRawUnsafe(sql, ...values);
        },
        // As in the Sequelize package's conformance file: a trigger in the test's schema or
        // database holds the batch inserts or claims (PostgreSQL, MariaDB; not SQLite).
        ...(kind === 'mariadb' ? mariadbGates(mariadbUrlOf) : {}),
        ...(kind === 'postgres'
          ? {
              holdBatchWrites: (store: DistributedStateStore) => {
                const schema = entryOf(store).database.name;
                return holdPgBatchWrites(schema, `"${schema}"."batchactions_batches"`);
              },
              holdClaims: (store: DistributedStateStore) => {
                const schema = entryOf(store).database.name;
                return holdPgClaims(schema, `"${schema}"."batchactions_batches"`);
              },
            }
          : {}),
      },
    );
  }
}
