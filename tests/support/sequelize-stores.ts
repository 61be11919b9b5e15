import { SequelizeStateStore } from '@batchactions/state-sequelize';
import {
  createMigratedTestDatabase,
  DIALECTS,
} from '../../packages/state-sequelize/tests/support/databases';
import type { StoreFactory } from './stores';

/** `SequelizeStateStore` on each dialect (PostgreSQL, MariaDB, SQLite), a fresh database per test. */
export const sequelizeFactories: StoreFactory[] = DIALECTS.map((dialect) => ({
  name: `SequelizeStateStore (${dialect})`,
  create: async (testName: string) => {
    const database = await createMigratedTestDatabase(dialect, testName);
    const sequelize = database.connect();
    const store = new SequelizeStateStore(sequelize);
    await store.initialize();
    return {
      store,
      teardown: async () => {
        await sequelize.close();
        await database.drop();
      },
    };
  },
}));
