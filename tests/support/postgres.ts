import { randomBytes } from 'node:crypto';
import pg from 'pg';
import {
  PostgresStateStore,
  type PostgresStateStoreConnectionOptions,
} from '@batchactions/state-postgres';
import { postgresCatalog } from './postgres-catalog';
import { ReusableDatabases } from './reusable-databases';

/** The server tests/global-setup.ts checked or started. */
export function testDatabaseUrl(): string {
  const url = process.env.DATABASE_URL;
  if (url === undefined || url === '') {
    throw new Error(
      'DATABASE_URL is not set: run the tests through vitest (tests/global-setup.ts sets it)',
    );
  }
  return url;
}

/**
 * A schema name of its own for a test: `t_` + the test name's letters and digits + a random
 * suffix, within PostgreSQL's 63-character identifier limit.
 */
export function uniqueSchemaName(testName: string): string {
  const slug = testName
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .slice(0, 40);
  return `t_${slug}_${randomBytes(5).toString('hex')}`;
}

const created = new Map<PostgresStateStore, string>();
let schemas: ReusableDatabases | undefined;

/** This file's migrated PostgresStateStore schemas kept for reuse (reusable-databases.ts). */
function reusableSchemas(): ReusableDatabases {
  schemas ??= new ReusableDatabases(postgresCatalog(testDatabaseUrl()), /^schema_migrations$/);
  return schemas;
}

/**
 * A new, initialised `PostgresStateStore` in a schema of its own, with a pool of its own: a
 * schema an earlier test of the file left as a fresh migration leaves it (emptied), or a new
 * one named after `testName`. Drop it with {@link dropTestSchemaStore} after the test (e.g. in
 * `afterEach`, or the conformance suite's `teardown`).
 */
export async function createTestSchemaStore(
  testName: string,
  options: Omit<PostgresStateStoreConnectionOptions, 'connectionString' | 'schema'> = {},
): Promise<PostgresStateStore> {
  const pool = reusableSchemas();
  const reused = pool.take();
  const schema = reused ?? uniqueSchemaName(testName);
  const store = new PostgresStateStore({ ...options, connectionString: testDatabaseUrl(), schema });
  try {
    await store.initialize();
    if (reused === undefined) await pool.learn(schema);
  } catch (error) {
    await store.close();
    await pool.drop(schema);
    throw error;
  }
  created.set(store, schema);
  return store;
}

/** Drops a schema (and everything in it) through a short-lived connection of its own. */
export async function dropSchema(schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: testDatabaseUrl() });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await client.end();
  }
}

/**
 * Closes a store made by {@link createTestSchemaStore}; its schema is kept for the file's next
 * test when the test left its definition as a fresh migration's, and dropped otherwise.
 */
export async function dropTestSchemaStore(store: PostgresStateStore): Promise<void> {
  const schema = created.get(store);
  if (schema === undefined)
    throw new Error('dropTestSchemaStore: this store was not made by createTestSchemaStore');
  created.delete(store);
  await store.close();
  await reusableSchemas().recycle(schema);
}

/** A pool for a test to use directly (to inspect tables); end it after the test. */
export function createTestPool(max = 4): pg.Pool {
  return new pg.Pool({ connectionString: testDatabaseUrl(), max });
}

/**
 * A pool for a store's `pool` option that records the text of every statement run on it
 * outside a transaction (a checkout for one is recorded as `(connect)`).
 */
export function statementRecordingPool(pool: pg.Pool): {
  readonly pool: { query: pg.Pool['query']; connect: () => Promise<pg.PoolClient> };
  readonly statements: string[];
} {
  const statements: string[] = [];
  return {
    statements,
    pool: {
      query: ((text: string, values?: unknown[]) => {
        statements.push(text);
        return pool.query(text, values);
      }) as pg.Pool['query'],
      connect: () => {
        statements.push('(connect)');
        return pool.connect();
      },
    },
  };
}
