// The conformance suite on PostgresStateStore, in the default layout or with `batchPayloads`
// (issue 28) and prepared statements, the fast configuration: conformance.test.ts and
// conformance-batch-payloads.test.ts.
import type { DistributedStateStore } from '@batchactions/core';
import { describeDistributedStateStore } from '@batchactions/core/testing';
import { PostgresStateStore } from '@batchactions/state-postgres';
import { holdPgBatchWrites, holdPgClaims } from '../../../tests/support/pg-batch-write-gate';
import {
  createTestPool,
  createTestSchemaStore,
  dropTestSchemaStore,
} from '../../../tests/support/postgres';

function postgresStore(store: DistributedStateStore): PostgresStateStore {
  if (!(store instanceof PostgresStateStore)) throw new Error('expected a PostgresStateStore');
  return store;
}

export function describePostgresConformance(batchPayloads: boolean): void {
  let counter = 0;
  const label = batchPayloads ? 'conformance payloads' : 'conformance';
  describeDistributedStateStore(
    batchPayloads ? 'PostgresStateStore (batchPayloads, preparedStatements)' : 'PostgresStateStore',
    () =>
      createTestSchemaStore(`${label} ${String((counter += 1))}`, {
        batchPayloads,
        preparedStatements: batchPayloads,
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
}
