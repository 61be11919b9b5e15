import type { DistributedStateStore } from '@batchactions/core';
import { describeDistributedStateStore } from '@batchactions/core/testing';
import { SequelizeStateStore } from '@batchactions/state-sequelize';
import type { Sequelize } from 'sequelize';
import { createTestDatabase, DIALECTS, type TestDatabase } from './support/databases';

const opened = new Map<DistributedStateStore, { sequelize: Sequelize; database: TestDatabase }>();
let counter = 0;

for (const dialect of DIALECTS) {
  describeDistributedStateStore(
    `SequelizeStateStore (${dialect})`,
    async () => {
      const database = await createTestDatabase(dialect, `conformance ${String((counter += 1))}`);
      const sequelize = database.connect({ pool: { max: 10 } });
      const store = new SequelizeStateStore(sequelize);
      await store.initialize();
      opened.set(store, { sequelize, database });
      return store;
    },
    {
      teardown: async (store) => {
        const entry = opened.get(store);
        opened.delete(store);
        await entry?.sequelize.close();
        await entry?.database.drop();
      },
    },
  );
}
