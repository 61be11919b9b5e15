import { InvalidOptionError } from '@batchactions/core';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_SCHEMA,
  PostgresStateStore,
  type PostgresStateStoreOptions,
} from '@batchactions/state-postgres';
import { createTestPool, dropSchema, uniqueSchemaName } from '../../../tests/support/postgres';

const URL = 'postgres://user@localhost:5432/db';

function optionError(options: unknown): InvalidOptionError {
  try {
    new PostgresStateStore(options as PostgresStateStoreOptions);
  } catch (error) {
    if (error instanceof InvalidOptionError) return error;
    throw error;
  }
  throw new Error(`expected InvalidOptionError for ${JSON.stringify(options)}`);
}

describe('PostgresStateStore options', () => {
  it('uses the "batchactions" schema by default', async () => {
    const store = new PostgresStateStore({ connectionString: URL });
    expect(store.schema).toBe(DEFAULT_SCHEMA);
    expect(DEFAULT_SCHEMA).toBe('batchactions');
    await store.close();
  });

  it.each<unknown>(['yes', 1, null])(
    'rejects asynchronousCommit %j naming the option, with either way of connecting',
    (asynchronousCommit) => {
      for (const way of [{ connectionString: URL }, { pool: createTestPool(1) }]) {
        const error = optionError({ ...way, asynchronousCommit });
        expect(error.option).toBe('asynchronousCommit');
        expect(error.message).toContain('true or false');
      }
    },
  );

  it.each<[unknown, string]>([
    ['Upper', 'uppercase'],
    ['1abc', 'leading digit'],
    ['a-b', 'dash'],
    ['x"; DROP TABLE jobs; --', 'injection'],
    ['', 'empty'],
    ['a'.repeat(64), 'too long'],
    [42, 'not a string'],
  ])('rejects the schema %j (%s) naming the option', (schema) => {
    const error = optionError({ connectionString: URL, schema });
    expect(error.option).toBe('schema');
    expect(error.message).toContain('Invalid option "schema"');
    expect(error.message).toContain('lowercase SQL identifier');
  });

  it('accepts a 63-character schema name', async () => {
    const store = new PostgresStateStore({ connectionString: URL, schema: `s${'_'.repeat(62)}` });
    await store.close();
  });

  it.each([0, -1, 1.5, '10'])('rejects poolSize %j', (poolSize) => {
    expect(optionError({ connectionString: URL, poolSize }).option).toBe('poolSize');
  });

  it('needs exactly one of connectionString and pool', () => {
    expect(optionError({}).option).toBe('connectionString');
    expect(optionError({ connectionString: '  ' }).option).toBe('connectionString');
    const pool = createTestPool(1);
    try {
      expect(optionError({ connectionString: URL, pool }).option).toBe('pool');
      expect(optionError({ pool: { query: () => undefined } }).option).toBe('pool');
      expect(optionError({ pool, poolSize: 3 }).option).toBe('poolSize');
    } finally {
      void pool.end();
    }
  });

  it('leaves a pool it was given open when it closes', async () => {
    const pool = createTestPool(2);
    const schema = uniqueSchemaName('own pool');
    try {
      const store = new PostgresStateStore({ pool, schema });
      await store.initialize();
      expect(await store.getJobState('none')).toBeNull();
      await store.close();
      await store.close();
      const result = await pool.query<{ one: number }>('SELECT 1 AS one');
      expect(result.rows[0]?.one).toBe(1);
    } finally {
      await dropSchema(schema);
      await pool.end();
    }
  });

  it('ends the pool it opened, once, however often it is closed', async () => {
    const store = new PostgresStateStore({ connectionString: URL, poolSize: 1 });
    await store.close();
    await store.close();
  });
});
