import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import {
  PostgresStateStore,
  type PgPoolClientLike,
  type PgPoolLike,
} from '@batchactions/state-postgres';
import { createTestPool, dropSchema, uniqueSchemaName } from '../../../tests/support/postgres';

/**
 * A pool for the store's `pool` option that cuts the connection of a transaction right after
 * its next statement matching `cutAfter` (the server ends the backend, as a failover or a
 * network cut would), and hands that statement's result back only once the connection has
 * ended: the transaction's next statement meets a dropped connection, every time.
 */
function cuttingPool(pool: pg.Pool, admin: pg.Pool) {
  let cutAfter: RegExp | undefined;
  const poolLike: PgPoolLike = {
    query: (text, values) => pool.query(text, values),
    async connect(): Promise<PgPoolClientLike> {
      const client = await pool.connect();
      const query = client.query.bind(client) as PgPoolClientLike['query'];
      const release = client.release.bind(client);
      // `release` and `query` are restored on release: the pool may lend the client again.
      const lent = client as unknown as {
        query: PgPoolClientLike['query'];
        release: PgPoolClientLike['release'];
        processID: number;
      };
      lent.query = async (text, values) => {
        const result = await query(text, values);
        // With preparedStatements the store sends pg's query object, its text in `text`.
        const sql = typeof text === 'string' ? text : (text as { text: string }).text;
        if (cutAfter?.test(sql)) {
          cutAfter = undefined;
          // Not `events.once`: it listens for 'error' too, and would handle what the store must.
          const ended = new Promise((resolve) => client.once('end', resolve));
          await admin.query('SELECT pg_terminate_backend($1)', [lent.processID]);
          await ended;
        }
        return result;
      };
      lent.release = (error) => {
        lent.query = query;
        lent.release = release;
        release(error);
      };
      return lent;
    },
  };
  return {
    pool: poolLike,
    cutAfterNext(pattern: RegExp) {
      cutAfter = pattern;
    },
  };
}

describe('PostgresStateStore: a connection cut inside a transaction', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  it.each([false, true])(
    'fails that call, without an uncaught error, and the store goes on (preparedStatements: %s)',
    async (preparedStatements) => {
      const schema = uniqueSchemaName('connection cut');
      const pool = createTestPool(2);
      const admin = createTestPool(1);
      cleanups.push(async () => {
        await pool.end();
        await dropSchema(schema);
        await admin.end();
      });
      const cutting = cuttingPool(pool, admin);
      const store = new PostgresStateStore({ pool: cutting.pool, schema, preparedStatements });
      await store.initialize();

      // takeOverPrepare is a transaction: a locking read of the job row, then (when taken) its
      // update, then COMMIT. The connection dies right after the locking read: the 'error' a pg
      // client emits then, with no query to reject, must not end the process (vitest fails the
      // run on an uncaught exception), and the call rejects with the connection's error.
      cutting.cutAfterNext(/FOR UPDATE/);
      await expect(store.takeOverPrepare('no-such-job', 'run-1', 0)).rejects.toThrow(
        /terminat|Connection|not queryable/i,
      );
      // The dropped connection was not returned to the pool: the next transactions run.
      expect(await store.takeOverPrepare('no-such-job', 'run-1', 0)).toMatchObject({
        taken: false,
      });
      expect(await store.listJobs()).toEqual([]);
      await store.close();
    },
  );
});
