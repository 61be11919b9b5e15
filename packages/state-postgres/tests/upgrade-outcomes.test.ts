import { PostgresStateStore } from '@batchactions/state-postgres';
import { afterEach, it } from 'vitest';
import { checkOutcomesUpgrade } from '../../../tests/support/outcomes-upgrade';
import {
  createTestPool,
  dropSchema,
  testDatabaseUrl,
  uniqueSchemaName,
} from '../../../tests/support/postgres';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

it.each([false, true])(
  'upgrades a job half processed with its outcomes in the payload rows (version 11; preparedStatements %s)',
  async (preparedStatements) => {
    const schema = uniqueSchemaName('upgrade outcomes');
    const pool = createTestPool(1);
    cleanups.push(() => pool.end());
    cleanups.push(() => dropSchema(schema));
    await checkOutcomesUpgrade({
      open: () =>
        new PostgresStateStore({
          connectionString: testDatabaseUrl(),
          schema,
          batchPayloads: true,
          preparedStatements,
        }),
      close: (store) => store.close(),
      exec: async (statements) => {
        for (const statement of statements) await pool.query(statement);
      },
      rows: async (sql) => (await pool.query(sql)).rows as Record<string, unknown>[],
      payloads: `"${schema}"."batch_payloads"`,
      outcomes: `"${schema}"."batch_outcomes"`,
      forgetVersion: `DELETE FROM "${schema}".schema_migrations WHERE version = 12`,
      versions: `SELECT version FROM "${schema}".schema_migrations`,
      version: 12,
    });
  },
);
