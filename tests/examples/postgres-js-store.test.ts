/**
 * The postgres.js store of examples/postgres-js-store/ runs the conformance suite on the real
 * PostgreSQL of `DATABASE_URL` (tests/global-setup.ts: a server that does not answer fails the
 * run, never skips it). Each store gets a schema of its own, reached through the connection's
 * `search_path`; the file's schemas share one migration (tests/support/reusable-databases.ts).
 */
import postgres, { type Sql } from 'postgres';
import type { DistributedStateStore } from '@batchactions/core';
import { describeDistributedStateStore } from '@batchactions/core/testing';
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
