import { BatchStatus, InvalidOptionError, markRecordProcessed } from '@batchactions/core';
import { prepareJob } from '@batchactions/core/testing';
import pg from 'pg';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { PostgresStateStore, type PostgresStateStoreOptions } from '@batchactions/state-postgres';
import { PLAN_EACH_TIME } from '@batchactions/state-sql';
import { MAX_PREPARED_STATEMENTS, pgExecutor } from '../src/pg-executor';
import type { PgPoolLike } from '../src/pg-types';
import {
  createTestPool,
  createTestSchemaStore,
  dropTestSchemaStore,
} from '../../../tests/support/postgres';
import { storePerTest } from '../../../tests/support/postgres-store-per-test';

let store: PostgresStateStore;

storePerTest((made) => (store = made), { preparedStatements: true });
afterEach(() => {
  vi.restoreAllMocks();
});

/** A job of two batches of three records, both claimed and completed through `on`. */
async function runJob(on: PostgresStateStore): Promise<void> {
  const { jobId } = await prepareJob(on, 2, 3, { useRegisterBatch: true });
  for (let i = 0; i < 2; i += 1) {
    const result = await on.claimBatch(jobId, 'w1');
    if (!result.claimed) throw new Error(`expected a claim, got ${result.reason}`);
    const { reservation: r } = result;
    const records = await on.getBatchRecords(jobId, r.batchId);
    await on.completeBatch(
      { jobId, batchId: r.batchId, workerId: r.workerId, attempt: r.attempt ?? 0 },
      records.map((record) => markRecordProcessed(record)),
      { status: BatchStatus.COMPLETED, processedCount: 3, failedCount: 0 },
    );
  }
  expect(await on.tryFinalizeJob(jobId)).toBe(true);
  expect((await on.getJobState(jobId))?.status).toBe('COMPLETED');
}

/** The names of the statements prepared on the one connection of `pool`. */
async function preparedOn(pool: pg.Pool): Promise<string[]> {
  const { rows } = await pool.query<{ name: string }>(
    `SELECT name FROM pg_prepared_statements WHERE name LIKE 'ba\\_%' ORDER BY name`,
  );
  return rows.map((row) => row.name);
}

/** The first argument of every `query` call of a `pg` client from now on (restored after each test). */
function spyOnClientQueries(): unknown[] {
  const sent: unknown[] = [];
  const proto = pg.Client.prototype as unknown as { query: (...args: unknown[]) => unknown };
  const query = proto.query;
  vi.spyOn(proto, 'query').mockImplementation(function (this: unknown, ...args: unknown[]) {
    sent.push(args[0]);
    return query.apply(this, args);
  });
  return sent;
}

describe('PostgresStateStore prepared statements', () => {
  it('sends plain text by default', async () => {
    const sent = spyOnClientQueries();
    const plain = await createTestSchemaStore('plain text default');
    try {
      await runJob(plain);
    } finally {
      await dropTestSchemaStore(plain);
    }
    expect(sent.length).toBeGreaterThan(8);
    expect(sent.filter((arg) => typeof arg !== 'string')).toEqual([]);
  });

  it('names each statement by its text on the pool it opens, when told to', async () => {
    const sent = spyOnClientQueries();
    await runJob(store);
    const named = sent.filter(
      (arg): arg is { name: string; text: string } =>
        typeof arg === 'object' && arg !== null && 'name' in arg,
    );
    // Every statement of the store went out named but the transaction bracket and the batch
    // completion that is planned for its values each time.
    const plain = sent.filter((arg): arg is string => typeof arg === 'string');
    expect(new Set(plain.filter((sql) => !sql.startsWith(PLAN_EACH_TIME)))).toEqual(
      new Set(['BEGIN', 'COMMIT']),
    );
    expect(plain.filter((sql) => sql.startsWith(PLAN_EACH_TIME))).toHaveLength(2);
    expect(named.length).toBeGreaterThan(8);
    const nameOf = new Map<string, string>();
    for (const { name, text } of named) {
      expect(name).toMatch(/^ba_[0-9a-f]{24}$/);
      expect(nameOf.get(text) ?? name).toBe(name);
      nameOf.set(text, name);
    }
    // Two batches: the claim and the completion went out twice under one name each.
    expect(nameOf.size).toBeLessThan(named.length);
  });

  it('prepares nothing by default, and each statement once per connection when told to', async () => {
    const pool = createTestPool(1);
    try {
      const plain = new PostgresStateStore({ pool, schema: store.schema });
      await runJob(plain);
      expect(await preparedOn(pool)).toEqual([]);

      const prepared = new PostgresStateStore({
        pool,
        schema: store.schema,
        preparedStatements: true,
      });
      await runJob(prepared);
      const first = await preparedOn(pool);
      expect(first.length).toBeGreaterThan(4);
      // A second job reuses them: nothing new is prepared, and nothing fails as a duplicate.
      await runJob(prepared);
      expect(await preparedOn(pool)).toEqual(first);
    } finally {
      await pool.end();
    }
  });

  it('keeps working when the schema is dropped and created again under its statements', async () => {
    const pool = createTestPool(1);
    try {
      const prepared = new PostgresStateStore({
        pool,
        schema: store.schema,
        preparedStatements: true,
      });
      await runJob(prepared);
      expect((await preparedOn(pool)).length).toBeGreaterThan(4);
      await pool.query(`DROP SCHEMA "${store.schema}" CASCADE`);
      await prepared.initialize();
      // PostgreSQL analyses a prepared statement again when its tables change.
      await runJob(prepared);
    } finally {
      await pool.end();
    }
  });

  it(`names at most ${MAX_PREPARED_STATEMENTS} texts per store, never one planned each time`, async () => {
    const calls: unknown[][] = [];
    const fake = {
      query: (...args: unknown[]) => {
        calls.push(args);
        return Promise.resolve({ rows: [], rowCount: 0 });
      },
      connect: () => Promise.reject(new Error('not used')),
    } as unknown as PgPoolLike;
    const executor = pgExecutor(fake, 's', true);
    for (let i = 0; i <= MAX_PREPARED_STATEMENTS; i += 1) {
      await executor.execute(`SELECT ${i}`, []);
    }
    await executor.execute('SELECT 0', [1]);
    await executor.execute(`${PLAN_EACH_TIME} SELECT 0`, [2]);
    const named = calls.filter(([arg]) => typeof arg === 'object');
    expect(named).toHaveLength(MAX_PREPARED_STATEMENTS + 1);
    expect(calls[MAX_PREPARED_STATEMENTS]).toEqual([`SELECT ${MAX_PREPARED_STATEMENTS}`, []]);
    // A statement that wants a plan for its values each time is never named.
    expect(calls.at(-1)).toEqual([`${PLAN_EACH_TIME} SELECT 0`, [2]]);
    expect(calls.at(-2)).toEqual([
      { name: (calls[0]![0] as { name: string }).name, text: 'SELECT 0', values: [1] },
    ]);
  });

  it.each([['yes'], [1], [null]])('rejects preparedStatements %j naming the option', (value) => {
    const options = { connectionString: 'postgres://u@localhost/db', preparedStatements: value };
    let thrown: unknown;
    try {
      new PostgresStateStore(options as unknown as PostgresStateStoreOptions);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(InvalidOptionError);
    expect((thrown as InvalidOptionError).option).toBe('preparedStatements');
  });
});
