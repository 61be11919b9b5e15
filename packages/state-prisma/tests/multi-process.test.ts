import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, it } from 'vitest';
import { PrismaStateStore } from '@batchactions/state-prisma';
import {
  expectSurvivesSigkill,
  type WorkerReport,
} from '../../state-sequelize/tests/support/sigkill-scenario';
import { requireBuild, startChild } from './support/children';
import {
  createTestDatabase,
  DATABASES,
  PROVIDER,
  type PrismaTestDatabase,
  type TestPrismaClient,
} from './support/databases';
import { generatedClient, type PrismaMajor } from './support/prisma-clients';

/** Prisma 7 on every database; Prisma 6 on PostgreSQL and SQLite. */
const RUNS: readonly (readonly [PrismaMajor, (typeof DATABASES)[number]])[] = [
  ...DATABASES.map((kind) => [7, kind] as const),
  [6, 'postgres'],
  [6, 'sqlite'],
];

describe.each(RUNS)('4 worker processes on PrismaStateStore, Prisma %s (%s)', (major, kind) => {
  let database: PrismaTestDatabase;
  let prisma: TestPrismaClient;
  let dir: string;

  beforeAll(() => {
    requireBuild();
  });
  afterEach(async () => {
    await prisma.$disconnect();
    await database.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('survive a worker SIGKILLed mid-batch: every record processed and counted exactly once, one finaliser, exact summary', async () => {
    database = await createTestDatabase(kind, 'prisma multi process', major);
    prisma = await database.connect();
    dir = mkdtempSync(join(tmpdir(), 'prisma-mp-'));
    const clientModule = await generatedClient(PROVIDER[kind], major);
    await expectSurvivesSigkill({
      store: new PrismaStateStore(prisma),
      startWorker: (env) => startChild<WorkerReport>('worker.mjs', env),
      childEnv: { ...database.childEnv, PRISMA_CLIENT_MODULE: clientModule },
      dir,
      records: 20_000,
      batchSize: 100,
    });
  }, 300_000);
});
