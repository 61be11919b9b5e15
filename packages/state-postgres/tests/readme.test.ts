import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DEFAULT_POOL_SIZE,
  DEFAULT_SCHEMA,
  type PostgresStateStore,
} from '@batchactions/state-postgres';
import type pg from 'pg';
import {
  createTestPool,
  createTestSchemaStore,
  dropTestSchemaStore,
} from '../../../tests/support/postgres';

const readme = await readFile(new URL('../README.md', import.meta.url), 'utf8');

function optionRow(option: string): string {
  const row = readme.split('\n').find((line) => line.startsWith(`| \`${option}\``));
  if (row === undefined) throw new Error(`README has no row for option ${option}`);
  return row;
}

describe('README of @batchactions/state-postgres', () => {
  let store: PostgresStateStore;
  let pool: pg.Pool;
  beforeAll(async () => {
    store = await createTestSchemaStore('readme');
    pool = createTestPool(1);
  });
  afterAll(async () => {
    await pool.end();
    await dropTestSchemaStore(store);
  });

  it('states the defaults the code uses', () => {
    expect(optionRow('schema')).toContain(`\`'${DEFAULT_SCHEMA}'\``);
    expect(optionRow('poolSize')).toContain(`\`${String(DEFAULT_POOL_SIZE)}\``);
  });

  it('describes every column of every table', async () => {
    const { rows } = await pool.query<{ table_name: string; column_name: string }>(
      `SELECT table_name, column_name FROM information_schema.columns
       WHERE table_schema = $1 AND table_name IN ('jobs', 'batches', 'records', 'unique_values')`,
      [store.schema],
    );
    expect(rows.length).toBeGreaterThan(20);
    const missing = rows.filter((r) => !readme.includes(`\`${r.column_name}\``));
    expect(missing).toEqual([]);
  });

  it('names the indexes that exist', async () => {
    const { rows } = await pool.query<{ indexname: string }>(
      `SELECT indexname FROM pg_indexes WHERE schemaname = $1 AND indexname NOT LIKE '%_pkey'`,
      [store.schema],
    );
    expect(rows.length).toBe(3);
    for (const { indexname } of rows) expect(readme).toContain(`\`${indexname} (`);
  });
});
