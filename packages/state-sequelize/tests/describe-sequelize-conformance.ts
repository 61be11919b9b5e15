// The conformance suite on SequelizeStateStore: conformance.test.ts (MariaDB) and
// conformance-dialects.test.ts (PostgreSQL, SQLite; test:slow) in the default layout, and
// conformance-batch-payloads.test.ts (`batchPayloads`, issue 28).
import type { DistributedStateStore } from '@batchactions/core';
import { describeDistributedStateStore } from '@batchactions/core/testing';
import { SequelizeStateStore } from '@batchactions/state-sequelize';
import type { Sequelize } from 'sequelize';
import { mariadbGates } from '../../../tests/support/mariadb-batch-write-gate';
import { holdPgBatchWrites, holdPgClaims } from '../../../tests/support/pg-batch-write-gate';
import {
  createMigratedTestDatabase,
  DIALECTS,
  type TestDatabase,
  type TestDialect,
} from './support/databases';

const opened = new Map<DistributedStateStore, { sequelize: Sequelize; database: TestDatabase }>();

function entryOf(store: DistributedStateStore) {
  const entry = opened.get(store);
  if (entry === undefined) throw new Error('not a store of this test file');
  return entry;
}

/** The URL of the MariaDB database of `store`. */
function mariadbUrlOf(store: DistributedStateStore): string {
  const url = entryOf(store).database.childEnv.SEQ_URL;
  if (url === undefined) throw new Error('not a MariaDB store of this test file');
  return url;
}

/** The conformance suite on `dialects`, in the default layout or with `batchPayloads`. */
export function describeSequelizeConformance(
  batchPayloads: boolean,
  dialects: readonly TestDialect[] = DIALECTS,
): void {
  let counter = 0;
  for (const dialect of dialects) {
    const quote = (name: string) => (dialect === 'mariadb' ? `\`${name}\`` : `"${name}"`);
    describeDistributedStateStore(
      `SequelizeStateStore (${dialect}${batchPayloads ? ', batchPayloads' : ''})`,
      async () => {
        const database = await createMigratedTestDatabase(
          dialect,
          `conformance${batchPayloads ? ' payloads' : ''} ${String((counter += 1))}`,
        );
        const sequelize = database.connect({ pool: { max: 10 } });
        const store = new SequelizeStateStore(sequelize, { batchPayloads });
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
        agePrepareHeartbeat: async (store, jobId, byMs) => {
          const column = quote('prepareHeartbeatAt');
          await entryOf(store).sequelize.query(
            `UPDATE ${quote('batchactions_jobs')} SET ${column} = ${column} - $2 WHERE ${quote('id')} = $1`,
            { bind: [jobId, byMs] },
          );
        },
        // PostgreSQL: a trigger in the test's schema holds the batch inserts (an advisory lock);
        // MariaDB: a trigger in the test's database (a named lock). SQLite writes serialise on
        // the database lock (no write in flight to hold).
        ...(dialect === 'mariadb' ? mariadbGates(mariadbUrlOf) : {}),
        ...(dialect === 'postgres'
          ? {
              holdBatchWrites: (store: DistributedStateStore) => {
                const schema = entryOf(store).database.childEnv.SEQ_SEARCH_PATH as string;
                return holdPgBatchWrites(schema, `"${schema}"."batchactions_batches"`);
              },
              holdClaims: (store: DistributedStateStore) => {
                const schema = entryOf(store).database.childEnv.SEQ_SEARCH_PATH as string;
                return holdPgClaims(schema, `"${schema}"."batchactions_batches"`);
              },
            }
          : {}),
      },
    );
  }
}
