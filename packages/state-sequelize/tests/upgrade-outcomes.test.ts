import { afterEach, describe, it } from 'vitest';
import { SequelizeStateStore } from '@batchactions/state-sequelize';
import { QueryTypes, type Sequelize } from 'sequelize';
import { checkOutcomesUpgrade } from '../../../tests/support/outcomes-upgrade';
import { createTestDatabase, DIALECTS, type TestDatabase } from './support/databases';

describe.each(DIALECTS)('the batch outcomes upgrade (%s)', (dialect) => {
  let database: TestDatabase;
  const open: Sequelize[] = [];
  afterEach(async () => {
    for (const s of open.splice(0)) await s.close();
    await database.drop();
  });

  it('upgrades a job half processed with its outcomes in the payload rows (version 11)', async () => {
    database = await createTestDatabase(dialect, 'upgrade outcomes');
    const admin = database.connect();
    open.push(admin);
    // The scenario's SQL quotes names with double quotes; MariaDB's are backticks.
    const quoted = (sql: string) => (dialect === 'mariadb' ? sql.replaceAll('"', '`') : sql);
    const stores = new Map<SequelizeStateStore, Sequelize>();
    await checkOutcomesUpgrade({
      open: () => {
        const sequelize = database.connect();
        const store = new SequelizeStateStore(sequelize, { batchPayloads: true });
        stores.set(store, sequelize);
        return store;
      },
      close: async (store) => {
        await stores.get(store)?.close();
      },
      exec: async (statements) => {
        for (const statement of statements) await admin.query(quoted(statement));
      },
      rows: async (sql) => admin.query(quoted(sql), { type: QueryTypes.SELECT }),
      payloads: '"batchactions_batch_payloads"',
      outcomes: '"batchactions_batch_outcomes"',
      forgetVersion: 'DELETE FROM "batchactions_schema_version" WHERE "version" = 12',
      versions: 'SELECT "version" FROM "batchactions_schema_version"',
      version: 12,
    });
  });
});
