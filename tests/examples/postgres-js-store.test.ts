/**
 * The postgres.js store of examples/postgres-js-store/ runs the conformance suite on the real
 * PostgreSQL of `DATABASE_URL` (tests/global-setup.ts: a server that does not answer fails the
 * run, never skips it). Each store gets a schema of its own, reached through the connection's
 * `search_path`; the file's schemas share one migration (tests/support/reusable-databases.ts).
 * Then its options, and its tables shared with `SequelizeStateStore` (the published layout).
 */
import postgres, { type Sql } from 'postgres';
import { Sequelize } from 'sequelize';
import { afterEach, describe, expect, it } from 'vitest';
import { InvalidOptionError, type DistributedStateStore } from '@batchactions/core';
import { describeDistributedStateStore, prepareJob } from '@batchactions/core/testing';
import { SequelizeStateStore } from '@batchactions/state-sequelize';
import { PostgresJsStateStore } from '../../examples/postgres-js-store/postgres-js-state-store';
import { whenFileEnds } from '../support/file-end';
import { holdPgBatchWrites, holdPgClaims } from '../support/pg-batch-write-gate';
import { testDatabaseUrl, uniqueSchemaName } from '../support/postgres';
import { postgresCatalog } from '../support/postgres-catalog';
import { ReusableDatabases } from '../support/reusable-databases';

/** A postgres.js instance on `schema`, quiet about the notices of `CREATE ... IF NOT EXISTS`. */
function connect(schema: string, max = 10): Sql {
  return postgres(testDatabaseUrl(), {
    max,
    connection: { search_path: schema },
    onnotice: () => undefined,
  });
}

let admin: Sql | undefined;
let schemas: ReusableDatabases | undefined;

function reusableSchemas(): ReusableDatabases {
  schemas ??= new ReusableDatabases(postgresCatalog(testDatabaseUrl()), /schema_version$/);
  return schemas;
}

/** A new schema with the store's tables migrated by the store itself. */
async function newMigratedSchema(label: string): Promise<string> {
  if (admin === undefined) {
    const opened = postgres(testDatabaseUrl(), { max: 1, onnotice: () => undefined });
    admin = opened;
    whenFileEnds(() => opened.end());
  }
  const schema = uniqueSchemaName(label);
  await admin.unsafe(`CREATE SCHEMA "${schema}"`);
  const sql = connect(schema, 1);
  try {
    await new PostgresJsStateStore(sql).initialize();
    await reusableSchemas().learn(schema);
  } catch (error) {
    await reusableSchemas().drop(schema);
    throw error;
  } finally {
    await sql.end();
  }
  return schema;
}

const opened = new Map<DistributedStateStore, { sql: Sql; schema: string }>();
let counter = 0;

function schemaOf(store: DistributedStateStore): string {
  const entry = opened.get(store);
  if (entry === undefined) throw new Error('not a store of this test file');
  return entry.schema;
}

describeDistributedStateStore(
  'PostgresJsStateStore (examples/postgres-js-store)',
  async () => {
    const schema =
      reusableSchemas().take() ?? (await newMigratedSchema(`pgjs ${String((counter += 1))}`));
    const sql = connect(schema);
    const store = new PostgresJsStateStore(sql);
    await store.initialize();
    opened.set(store, { sql, schema });
    return store;
  },
  {
    teardown: async (store) => {
      const entry = opened.get(store);
      opened.delete(store);
      if (entry === undefined) return;
      await entry.sql.end();
      await reusableSchemas().recycle(entry.schema);
    },
    agePrepareHeartbeat: async (store, jobId, byMs) => {
      const entry = opened.get(store);
      if (entry === undefined) throw new Error('not a store of this test file');
      await entry.sql.unsafe(
        `UPDATE "batchactions_jobs" SET "prepareHeartbeatAt" = "prepareHeartbeatAt" - $2
          WHERE "id" = $1`,
        [jobId, byMs],
      );
    },
    holdBatchWrites: (store) => {
      const schema = schemaOf(store);
      return holdPgBatchWrites(schema, `"${schema}"."batchactions_batches"`);
    },
    holdClaims: (store) => {
      const schema = schemaOf(store);
      return holdPgClaims(schema, `"${schema}"."batchactions_batches"`);
    },
  },
);

describe('PostgresJsStateStore: options and tables', () => {
  const made: { sql: Sql; schema: string }[] = [];
  afterEach(async () => {
    for (const { sql, schema } of made.splice(0)) {
      await sql.end();
      await reusableSchemas().drop(schema);
    }
  });

  /** A new, empty schema of its own (dropped after the test), and a connection on it. */
  async function emptySchema(label: string): Promise<{ sql: Sql; schema: string }> {
    const schema = uniqueSchemaName(label);
    const sql = connect(schema, 4);
    made.push({ sql, schema });
    await sql.unsafe(`CREATE SCHEMA "${schema}"`);
    return { sql, schema };
  }

  it('refuses what is not a postgres.js instance, and a bad tablePrefix, naming the option', async () => {
    expect(() => new PostgresJsStateStore({} as Sql)).toThrow(InvalidOptionError);
    expect(() => new PostgresJsStateStore({} as Sql)).toThrow(/sql/);
    const sql = connect('public', 1); // connects on its first query: none here
    try {
      expect(() => new PostgresJsStateStore(sql, { tablePrefix: 'bad-prefix' })).toThrow(
        /tablePrefix/,
      );
    } finally {
      await sql.end();
    }
  });

  it('names its tables with tablePrefix, and resolves what the migration did once', async () => {
    const { sql } = await emptySchema('pgjs prefix');
    const store = new PostgresJsStateStore(sql, { tablePrefix: 'imports_' });
    const first = await store.initialize();
    expect(first.fromVersion).toBe(0);
    expect(first.applied.length).toBeGreaterThan(0);
    expect(await store.initialize()).toBe(first);
    const tables = await sql<{ name: string }[]>`
      SELECT table_name AS name FROM information_schema.tables
       WHERE table_schema = current_schema() ORDER BY table_name`;
    expect(tables.map((t) => t.name)).toEqual([
      'imports_batch_outcomes',
      'imports_batch_payloads',
      'imports_batches',
      'imports_job_limits',
      'imports_jobs',
      'imports_records',
      'imports_schema_version',
      'imports_unique_values',
    ]);
    // A second store on the migrated tables applies nothing.
    const again = await new PostgresJsStateStore(sql, { tablePrefix: 'imports_' }).initialize();
    expect(again.applied).toEqual([]);
  });

  it('shares its tables with SequelizeStateStore: a job one store prepares, the other claims', async () => {
    const { sql, schema } = await emptySchema('pgjs shared');
    const sequelize = new Sequelize(testDatabaseUrl(), {
      logging: false,
      dialectOptions: { options: `-c search_path=${schema}` },
    });
    try {
      const bySequelize = new SequelizeStateStore(sequelize);
      await bySequelize.initialize();
      const byPostgresJs = new PostgresJsStateStore(sql);
      expect((await byPostgresJs.initialize()).applied).toEqual([]);

      const { jobId, batches } = await prepareJob(bySequelize, 2, 3, { useRegisterBatch: true });
      const claim = await byPostgresJs.claimBatch(jobId, 'worker-pgjs');
      expect(claim.claimed).toBe(true);
      const claimed = claim.claimed ? claim.reservation.batchId : '';
      expect(batches.map((b) => b.id)).toContain(claimed);
      const records = await bySequelize.getBatchRecords(jobId, claimed);
      expect(records.map((r) => r.raw)).toEqual(
        batches.find((b) => b.id === claimed)?.records.map((r) => r.raw),
      );
      expect((await bySequelize.getDistributedStatus(jobId)).processingBatches).toBe(1);
    } finally {
      await sequelize.close();
    }
  });
});
