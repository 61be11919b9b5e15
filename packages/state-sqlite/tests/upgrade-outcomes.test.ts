import Database from 'better-sqlite3';
import { SCHEMA_VERSION_TABLE, SqliteStateStore } from '@batchactions/state-sqlite';
import { afterEach, beforeEach, it } from 'vitest';
import { checkOutcomesUpgrade } from '../../../tests/support/outcomes-upgrade';
import { tempDb, type TempDb } from './temp-db';

let file: TempDb;
beforeEach(() => {
  file = tempDb('upgrade-outcomes');
});
afterEach(() => {
  file.remove();
});

it('upgrades a job half processed with its outcomes in the payload rows (version 12)', async () => {
  const withDb = <T>(work: (db: Database.Database) => T): T => {
    const db = new Database(file.filename);
    try {
      return work(db);
    } finally {
      db.close();
    }
  };
  await checkOutcomesUpgrade({
    open: () => new SqliteStateStore({ filename: file.filename, batchPayloads: true }),
    close: (store) => store.close(),
    exec: (statements) => {
      withDb((db) => {
        for (const statement of statements) db.exec(statement);
      });
    },
    rows: (sql) => withDb((db) => db.prepare(sql).all() as Record<string, unknown>[]),
    payloads: '"batchactions_batch_payloads"',
    outcomes: '"batchactions_batch_outcomes"',
    forgetVersion: `DELETE FROM ${SCHEMA_VERSION_TABLE} WHERE version = 13`,
    versions: `SELECT version FROM ${SCHEMA_VERSION_TABLE}`,
    version: 13,
  });
});
