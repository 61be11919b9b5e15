import { afterEach, describe, expect, it } from 'vitest';
import {
  LATEST_SCHEMA_VERSION,
  PostgresStateStore,
  SchemaNotInitializedError,
  SchemaVersionError,
} from '@batchactions/state-postgres';
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

/** A store on a fresh (not yet created) schema; closed and dropped after the test. */
function freshStore(schema: string): PostgresStateStore {
  const store = new PostgresStateStore({
    connectionString: testDatabaseUrl(),
    schema,
    poolSize: 2,
  });
  cleanups.push(() => store.close());
  return store;
}

function newSchema(name: string): string {
  const schema = uniqueSchemaName(name);
  cleanups.push(() => dropSchema(schema));
  return schema;
}

describe('PostgresStateStore migrations', () => {
  it('creates the schema, its tables and the version row, then does nothing on a second call', async () => {
    const schema = newSchema('migrate once');
    const store = freshStore(schema);
    expect(await store.initialize()).toEqual({
      fromVersion: 0,
      toVersion: LATEST_SCHEMA_VERSION,
      applied: [1, 2],
    });
    expect(await store.initialize()).toEqual({
      fromVersion: LATEST_SCHEMA_VERSION,
      toVersion: LATEST_SCHEMA_VERSION,
      applied: [],
    });

    const pool = createTestPool(1);
    cleanups.push(() => pool.end());
    const tables = await pool.query<{ table_name: string }>(
      'SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY 1',
      [schema],
    );
    expect(tables.rows.map((r) => r.table_name)).toEqual([
      'batches',
      'jobs',
      'records',
      'schema_migrations',
      'unique_values',
    ]);
    const indexes = await pool.query<{ indexname: string }>(
      'SELECT indexname FROM pg_indexes WHERE schemaname = $1 ORDER BY 1',
      [schema],
    );
    expect(indexes.rows.map((r) => r.indexname)).toEqual([
      'batches_job_status_index',
      'batches_pkey',
      'jobs_pkey',
      'records_batch_index',
      'records_pkey',
      'schema_migrations_pkey',
      'unique_values_pkey',
    ]);
    const versions = await pool.query(`SELECT version, name FROM "${schema}".schema_migrations`);
    expect(versions.rows).toEqual([
      { version: 1, name: 'initial' },
      { version: 2, name: 'unique values' },
    ]);
  });

  it('lets many processes initialise the same schema at once: one migrates, the others wait', async () => {
    const schema = newSchema('migrate concurrently');
    const stores = Array.from({ length: 8 }, () => freshStore(schema));
    const outcomes = await Promise.all(stores.map((store) => store.initialize()));
    expect(outcomes.filter((o) => o.applied.length > 0)).toHaveLength(1);
    expect(outcomes.every((o) => o.toVersion === LATEST_SCHEMA_VERSION)).toBe(true);

    const pool = createTestPool(1);
    cleanups.push(() => pool.end());
    const versions = await pool.query(
      `SELECT version FROM "${schema}".schema_migrations ORDER BY version`,
    );
    expect(versions.rows).toEqual([{ version: 1 }, { version: 2 }]);
    // Each store works on the shared schema.
    expect(await stores[3]!.getJobState('nothing-yet')).toBeNull();
  });

  it('refuses a schema migrated by a newer version and changes nothing', async () => {
    const schema = newSchema('newer schema');
    await freshStore(schema).initialize();
    const pool = createTestPool(1);
    cleanups.push(() => pool.end());
    await pool.query(
      `INSERT INTO "${schema}".schema_migrations (version, name) VALUES ($1, 'from the future')`,
      [LATEST_SCHEMA_VERSION + 5],
    );

    const error = await freshStore(schema)
      .initialize()
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(error).toBeInstanceOf(SchemaVersionError);
    expect(error).toMatchObject({
      code: 'SCHEMA_TOO_NEW',
      schema,
      foundVersion: LATEST_SCHEMA_VERSION + 5,
      supportedVersion: LATEST_SCHEMA_VERSION,
    });
    expect((error as Error).message).toContain(
      `Schema "${schema}" is at version ${LATEST_SCHEMA_VERSION + 5}`,
    );
    const versions = await pool.query(
      `SELECT version FROM "${schema}".schema_migrations ORDER BY version`,
    );
    expect(versions.rows).toEqual([
      { version: 1 },
      { version: 2 },
      { version: LATEST_SCHEMA_VERSION + 5 },
    ]);
  });

  it('tells the caller to run initialize() when the tables do not exist', async () => {
    const schema = newSchema('not initialised');
    const store = freshStore(schema);
    await expect(store.getJobState('x')).rejects.toBeInstanceOf(SchemaNotInitializedError);
    await expect(store.claimBatch('x', 'w')).rejects.toThrow(/call "await store.initialize\(\)"/);
  });
});
