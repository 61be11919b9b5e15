import type {
  PostgresStateStore,
  PostgresStateStoreConnectionOptions,
} from '@batchactions/state-postgres';
import { afterEach, beforeEach } from 'vitest';
import { createTestSchemaStore, dropTestSchemaStore } from './postgres';

/**
 * Gives each test of the file a `PostgresStateStore` in a schema of its own: made before the
 * test and handed to `use`, closed and its schema recycled after it. Call it before the file's
 * own hooks: after-hooks run in reverse order, so the store outlives whatever those close.
 */
export function storePerTest(
  use: (store: PostgresStateStore) => void,
  options: Omit<PostgresStateStoreConnectionOptions, 'connectionString' | 'schema'> = {},
): void {
  let current: PostgresStateStore | undefined;
  beforeEach(async (context) => {
    current = await createTestSchemaStore(context.task.name, options);
    use(current);
  });
  afterEach(async () => {
    if (current === undefined) return;
    const store = current;
    current = undefined;
    await dropTestSchemaStore(store);
  });
}
