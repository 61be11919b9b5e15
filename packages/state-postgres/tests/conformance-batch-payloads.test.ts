// The conformance suite with `batchPayloads` on (issue 28): batches stored as one row each.
import type { DistributedStateStore } from '@batchactions/core';
import { describeDistributedStateStore } from '@batchactions/core/testing';
import { PostgresStateStore } from '@batchactions/state-postgres';
import { holdPgBatchWrites, holdPgClaims } from '../../../tests/support/pg-batch-write-gate';
import {
  createTestPool,
  createTestSchemaStore,
  dropTestSchemaStore,
} from '../../../tests/support/postgres';

let counter = 0;

function postgresStore(store: DistributedStateStore): PostgresStateStore {
  if (!(store instanceof PostgresStateStore)) throw new Error('expected a PostgresStateStore');
  return store;
}

describeDistributedStateStore(
  'PostgresStateStore (batchPayloads)',
  () =>
    createTestSchemaStore(`conformance payloads ${String((counter += 1))}`, {
      batchPayloads: true,
    }),
  {
    teardown: async (store) => {
      await dropTestSchemaStore(postgresStore(store));
    },
    agePrepareHeartbeat: async (store, jobId, byMs) => {
      const pool = createTestPool(1);
      try {
        await pool.query(
          `UPDATE "${postgresStore(store).schema}".jobs
           SET "prepareHeartbeatAt" = "prepareHeartbeatAt" - $2
           WHERE id = $1`,
          [jobId, byMs],
        );
      } finally {
        await pool.end();
      }
    },
    holdBatchWrites: (store) => {
      const { schema } = postgresStore(store);
      return holdPgBatchWrites(schema, `"${schema}".batches`);
    },
    holdClaims: (store) => {
      const { schema } = postgresStore(store);
      return holdPgClaims(schema, `"${schema}".batches`);
    },
  },
);
