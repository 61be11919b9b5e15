/**
 * What the orchestrator and the workers share: the store, the schema, and the processor (an
 * idempotent bulk insert into the table `imported_users`, in the same PostgreSQL schema as the jobs).
 */
import pg from 'pg';
import type { BulkProcessor } from '@batchactions/core';
import { DistributedImport } from '@batchactions/distributed';
import { PostgresStateStore } from '@batchactions/state-postgres';

export const connectionString =
  process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
/** The PostgreSQL schema holding the jobs and the imported users. */
export const schemaName = process.env.PG_SCHEMA ?? 'batchactions';

export async function openImporter(): Promise<{
  importer: DistributedImport;
  users: pg.Pool;
  close: () => Promise<void>;
}> {
  const stateStore = new PostgresStateStore({ connectionString, schema: schemaName });
  await stateStore.initialize(); // creates or migrates the schema; safe from many processes
  const users = new pg.Pool({ connectionString, max: 2 });
  await users.query(
    `CREATE TABLE IF NOT EXISTS "${schemaName}".imported_users (email text PRIMARY KEY, name text NOT NULL)`,
  );
  const importer = new DistributedImport({
    schema: {
      fields: [
        { name: 'email', type: 'email', required: true },
        { name: 'name', type: 'string', required: true },
      ],
    },
    batchSize: 500,
    stateStore,
  });
  return {
    importer,
    users,
    close: async () => {
      await users.end();
      await stateStore.close();
    },
  };
}

/**
 * The processor, in bulk mode: one multi-row insert per batch. Idempotent (`ON CONFLICT DO
 * NOTHING`), since a batch runs again when its worker dies in the middle of it.
 */
export function insertUsers(users: pg.Pool): BulkProcessor {
  return {
    processBatch: async (records, context) => {
      context.signal.throwIfAborted();
      await users.query(
        `INSERT INTO "${schemaName}".imported_users (email, name)
         SELECT * FROM unnest($1::text[], $2::text[])
         ON CONFLICT (email) DO NOTHING`,
        [records.map((r) => String(r.email)), records.map((r) => String(r.name))],
      );
    },
  };
}
