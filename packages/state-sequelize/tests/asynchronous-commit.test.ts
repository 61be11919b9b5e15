import { SequelizeStateStore } from '@batchactions/state-sequelize';
import type { Sequelize } from 'sequelize';
import { afterEach, describe, expect, it } from 'vitest';
import {
  expectAsynchronousBatchCommits,
  recordCommitModes,
} from '../../../tests/support/commit-modes';
import { invalidOptionOf } from '../../../tests/support/option-error';
import { createTestDatabase, type TestDatabase } from './support/databases';

let database: TestDatabase | undefined;
let sequelize: Sequelize | undefined;
afterEach(async () => {
  await sequelize?.close();
  await database?.drop();
  sequelize = undefined;
  database = undefined;
});

describe('SequelizeStateStore asynchronousCommit', () => {
  it.each(['mariadb', 'sqlite'] as const)(
    'is refused on %s, naming the option (false is accepted)',
    async (dialect) => {
      database = await createTestDatabase(dialect, `async commit ${dialect}`);
      const client = database.connect();
      sequelize = client;
      const refused = invalidOptionOf(
        () => new SequelizeStateStore(client, { asynchronousCommit: true }),
      );
      expect(refused.option).toBe('asynchronousCommit');
      expect(refused.message).toMatch(/only PostgreSQL/);
      const wrongType = invalidOptionOf(
        () => new SequelizeStateStore(client, { asynchronousCommit: 'yes' as never }),
      );
      expect(wrongType.message).toContain('true or false');
      expect(() => new SequelizeStateStore(client, { asynchronousCommit: false })).not.toThrow();
    },
  );

  it('on PostgreSQL commits batch writes without waiting for the WAL flush, and the job durably', async () => {
    const db = await createTestDatabase('postgres', 'async commit postgres');
    database = db;
    // Synchronous by the connection's own setting: the test server may run with it off.
    const client = db.connect({
      dialectOptions: { options: `-c search_path=${db.name} -c synchronous_commit=on` },
    });
    sequelize = client;
    const store = new SequelizeStateStore(client, {
      asynchronousCommit: true,
      batchPayloads: true,
    });
    await store.initialize();
    const modes = await recordCommitModes(async (sql) => (await client.query(sql))[0], {
      schema: db.name,
      batches: `"${db.name}".batchactions_batches`,
      jobs: `"${db.name}".batchactions_jobs`,
    });
    await expectAsynchronousBatchCommits(store, modes);
  });
});
