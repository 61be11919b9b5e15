import { SequelizeStateStore } from '@batchactions/state-sequelize';
import {
  createMigratedTestDatabase,
  DIALECTS,
  type TestDialect,
} from '../../packages/state-sequelize/tests/support/databases';
import { selectedStores, type StoreFactory } from './stores';

/**
 * The dialects the acceptance tests run `SequelizeStateStore` on: those `BATCHACTIONS_SEQUELIZE_DIALECTS`
 * lists (comma-separated, or `all`); by default MariaDB only, the one database no other store of
 * `npm test` reaches. PostgreSQL and SQLite through Sequelize run the same acceptance files in
 * `npm run test:slow` (vitest.matrix.config.ts), which CI runs: the SQL is the shared store's on
 * every client, and `npm test` has to stay under 5 minutes on 2 cores.
 */
export function acceptanceDialects(): readonly TestDialect[] {
  const wanted = process.env.BATCHACTIONS_SEQUELIZE_DIALECTS ?? 'mariadb';
  if (wanted.trim() === 'all') return DIALECTS;
  const names = wanted.split(',').map((name) => name.trim());
  for (const name of names) {
    if (!(DIALECTS as readonly string[]).includes(name)) {
      throw new Error(
        `BATCHACTIONS_SEQUELIZE_DIALECTS: unknown dialect "${name}" (expected ${DIALECTS.join(', ')} or all)`,
      );
    }
  }
  return DIALECTS.filter((dialect) => names.includes(dialect));
}

/** `SequelizeStateStore` on each dialect of `acceptanceDialects()`, a fresh database per test. */
export const sequelizeFactories: StoreFactory[] = selectedStores(
  acceptanceDialects().map((dialect) => ({
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
  })),
);
