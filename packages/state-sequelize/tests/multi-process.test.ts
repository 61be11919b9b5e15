import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, it } from 'vitest';
import { SequelizeStateStore } from '@batchactions/state-sequelize';
import type { Sequelize } from 'sequelize';
import { requireBuild, startChild } from './support/children';
import { createTestDatabase, DIALECTS, type TestDatabase } from './support/databases';
import { expectSurvivesSigkill, type WorkerReport } from './support/sigkill-scenario';

describe.each(DIALECTS)('4 worker processes on SequelizeStateStore (%s)', (dialect) => {
  let database: TestDatabase;
  let sequelize: Sequelize;
  let dir: string;

  beforeAll(() => {
    requireBuild();
  });
  afterEach(async () => {
    await sequelize.close();
    await database.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('survive a worker SIGKILLed mid-batch: every record processed and counted exactly once, one finaliser, exact summary', async () => {
    database = await createTestDatabase(dialect, 'multi process');
    sequelize = database.connect();
    dir = mkdtempSync(join(tmpdir(), 'seq-mp-'));
    await expectSurvivesSigkill({
      store: new SequelizeStateStore(sequelize),
      startWorker: (env) => startChild<WorkerReport>('worker.mjs', env),
      childEnv: database.childEnv,
      dir,
      records: 50_000,
      batchSize: 100,
    });
  }, 300_000);
});
