import { afterEach, describe, expect, it } from 'vitest';
import {
  LATEST_SCHEMA_VERSION,
  PostgresStateStore,
  SchemaNotInitializedError,
  SchemaVersionError,
} from '@batchactions/state-postgres';
import { MIGRATIONS } from '../src/migrations';
import {
  createTestPool,
  dropSchema,
  statementRecordingPool,
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
      applied: MIGRATIONS.map((m) => m.version),
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
      'batch_outcomes',
      'batch_payloads',
      'batches',
      'job_limits',
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
      'batch_outcomes_pkey',
      'batch_payloads_pkey',
      'batches_job_status_index',
      'batches_pkey',
      'batches_record_start',
      'job_limits_pkey',
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
      { version: 3, name: 'inclusive record end index' },
      { version: 4, name: 'prepare liveness and stored completion' },
      { version: 5, name: 'early open and resumable prepare' },
      { version: 6, name: 'completion claim time and acknowledgement' },
      { version: 7, name: 'shared SQL store columns' },
      { version: 8, name: 'job-wide limits' },
      { version: 9, name: 'job source name, trace context, batch completion time' },
      { version: 10, name: 'batch payloads' },
      { version: 11, name: 'capped claims in one statement' },
      { version: 12, name: 'batch outcomes' },
    ]);
  });

  it('tells an up-to-date schema by one read: no advisory lock, no transaction', async () => {
    const schema = newSchema('migrate fast path');
    await freshStore(schema).initialize();
    const pool = createTestPool(2);
    cleanups.push(() => pool.end());
    const { pool: counted, statements } = statementRecordingPool(pool);
    const store = new PostgresStateStore({ pool: counted, schema });
    expect(await store.initialize()).toEqual({
      fromVersion: LATEST_SCHEMA_VERSION,
      toVersion: LATEST_SCHEMA_VERSION,
      applied: [],
    });
    expect(statements).toHaveLength(1);
    expect(statements[0]).toMatch(/SELECT max\(version\)/);
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
    expect(versions.rows).toEqual(MIGRATIONS.map((m) => ({ version: m.version })));
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
      ...MIGRATIONS.map((m) => ({ version: m.version })),
      { version: LATEST_SCHEMA_VERSION + 5 },
    ]);
  });

  it('tells the caller to run initialize() when the tables do not exist', async () => {
    const schema = newSchema('not initialised');
    const store = freshStore(schema);
    await expect(store.getJobState('x')).rejects.toBeInstanceOf(SchemaNotInitializedError);
    await expect(store.claimBatch('x', 'w')).rejects.toThrow(/call "await store.initialize\(\)"/);
  });

  it('upgrades a database created at version 2: stored batch ranges become inclusive, nothing else changes', async () => {
    const schema = newSchema('upgrade from v2');
    const pool = createTestPool(1);
    cleanups.push(() => pool.end());
    // The schema exactly as version 2 of this package created it (released migrations never change).
    for (const m of MIGRATIONS.filter((m) => m.version <= 2)) {
      await pool.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
      await pool.query(m.sql.replaceAll('{{schema}}', `"${schema}"`));
    }
    await pool.query(`CREATE TABLE "${schema}".schema_migrations (
      version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
    await pool.query(
      `INSERT INTO "${schema}".schema_migrations (version, name) VALUES (1, 'initial'), (2, 'unique values')`,
    );
    // A job prepared by version 2: 5 records in batches of 3, ends stored one past the last record.
    await pool.query(
      `INSERT INTO "${schema}".jobs (id, status, config, total_records, distributed, started_at)
       VALUES ('old-job', 'PROCESSING', '{"batchSize":3,"continueOnError":true}', 5, true, now())`,
    );
    await pool.query(
      `INSERT INTO "${schema}".batches (job_id, id, batch_index, status, record_start_index, record_end_index)
       VALUES ('old-job', 'b0', 0, 'PENDING', 0, 3), ('old-job', 'b1', 1, 'PENDING', 3, 5)`,
    );
    await pool.query(
      `INSERT INTO "${schema}".records (job_id, record_index, batch_id, status, raw)
       SELECT 'old-job', i, CASE WHEN i < 3 THEN 'b0' ELSE 'b1' END, 'pending', json_build_object('n', i)
       FROM generate_series(0, 4) AS i`,
    );

    await pool.query(
      `INSERT INTO "${schema}".jobs (id, status, config, total_records, distributed, started_at, completed_at)
       VALUES ('done-job', 'COMPLETED', '{"batchSize":3,"continueOnError":true}', 0, true, now(), now())`,
    );

    const store = freshStore(schema);
    expect(await store.initialize()).toEqual({
      fromVersion: 2,
      toVersion: LATEST_SCHEMA_VERSION,
      applied: MIGRATIONS.filter((m) => m.version > 2).map((m) => m.version),
    });
    // Version 4: old jobs are not being prepared, and a job finished before has no completion
    // left to report (its job:completed was emitted then).
    const details = await store.getJobDetails('old-job');
    expect(details).toMatchObject({ status: 'PROCESSING', totalRecords: 5 });
    expect(details?.prepareHeartbeatAgeMs).toBeUndefined();
    expect(await store.claimJobCompletion('done-job', 'w1')).toBeNull();
    expect(await store.heartbeatPrepare('old-job')).toBe(false);
    // Version 5: old jobs were not opened early, hold no source cursors, and their prepare
    // (finished long ago) cannot be taken over.
    expect(details?.openEarly).toBeUndefined();
    expect(details?.prepareStopped).toBeUndefined();
    expect(await store.takeOverPrepare('old-job', 'run', 0)).toEqual({
      taken: false,
      reason: 'FINISHED',
    });
    expect((await store.listPreparedBatches('old-job')).map((b) => b.sourceCursor)).toEqual([
      undefined,
      undefined,
    ]);
    const job = await store.getJobState('old-job');
    expect(job?.batches.map((b) => [b.id, b.recordStartIndex, b.recordEndIndex])).toEqual([
      ['b0', 0, 2],
      ['b1', 3, 4],
    ]);
    const claim = await store.claimBatch('old-job', 'w1');
    expect(claim).toMatchObject({
      claimed: true,
      reservation: { batchId: 'b0', recordStartIndex: 0, recordEndIndex: 2 },
    });
    expect((await store.getBatchRecords('old-job', 'b1')).map((r) => r.raw)).toEqual([
      { n: 3 },
      { n: 4 },
    ]);
    // A quarantined batch still counts all of its records (end - start + 1).
    await pool.query(
      `UPDATE "${schema}".batches SET "claimedAt" = "claimedAt" - 3600000 WHERE id = 'b0'`,
    );
    expect(await store.reclaimStaleBatches('old-job', 1000, 1)).toBe(1);
    const after = await store.getJobState('old-job');
    expect(after?.batches[0]).toMatchObject({ status: 'FAILED', failedCount: 3 });
  });
});
