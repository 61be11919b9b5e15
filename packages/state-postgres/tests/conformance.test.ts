import { describeDistributedStateStore } from '@batchactions/core/testing';
import { PostgresStateStore } from '@batchactions/state-postgres';
import { createTestSchemaStore, dropTestSchemaStore } from '../../../tests/support/postgres';

let counter = 0;

describeDistributedStateStore(
  'PostgresStateStore',
  () => createTestSchemaStore(`conformance ${String((counter += 1))}`),
  {
    teardown: async (store) => {
      if (!(store instanceof PostgresStateStore)) throw new Error('expected a PostgresStateStore');
      await dropTestSchemaStore(store);
    },
  },
);
