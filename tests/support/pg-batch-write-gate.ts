import { randomInt } from 'node:crypto';
import pg from 'pg';
import type { BatchWriteGate } from '@batchactions/core/testing';
import { testDatabaseUrl } from './postgres';

/** How often the gate looks at `pg_locks` while it waits for a state to be reached. */
const POLL_MS = 5;

/** Polls `check` until it is true (a state of the server, never a time). */
async function until(check: () => Promise<boolean>): Promise<void> {
  while (!(await check())) await new Promise((resolve) => setTimeout(resolve, POLL_MS));
}

/**
 * Holds batch writes inside their transaction on PostgreSQL: a trigger in the test's own schema
 * makes every insert into `batchesTable` wait for an advisory lock that the gate's own
 * connection holds until `release`. The lock key is random per gate (advisory locks are
 * database-wide), below 2^31 so that `pg_locks.objid` shows it whole.
 *
 * `schema` is the test's schema (unquoted); `batchesTable` the quoted, schema-qualified table.
 */
export async function holdPgBatchWrites(
  schema: string,
  batchesTable: string,
): Promise<BatchWriteGate> {
  const key = randomInt(1, 2 ** 31 - 1);
  const holder = new pg.Client({ connectionString: testDatabaseUrl() });
  await holder.connect();
  await holder.query('SELECT pg_advisory_lock($1)', [key]);
  await holder.query(`
    CREATE OR REPLACE FUNCTION "${schema}".hold_batch_write() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
      PERFORM pg_advisory_xact_lock_shared(${String(key)});
      RETURN NEW;
    END $$`);
  await holder.query(`
    CREATE TRIGGER hold_batch_write BEFORE INSERT ON ${batchesTable}
    FOR EACH ROW EXECUTE FUNCTION "${schema}".hold_batch_write()`);
  let released = false;
  const waitingOn = async (sql: string, values: unknown[]): Promise<boolean> =>
    ((await holder.query(sql, values)).rowCount ?? 0) > 0;
  return {
    writeHeld: () =>
      until(() =>
        waitingOn(
          `SELECT 1 FROM pg_locks
           WHERE locktype = 'advisory' AND NOT granted AND classid = 0 AND objid = $1`,
          [key],
        ),
      ),
    lockWaited: () =>
      until(() =>
        // A session blocked by a held write (so waiting for a lock that write holds).
        waitingOn(
          `SELECT 1 FROM pg_stat_activity a
           WHERE EXISTS (SELECT 1 FROM pg_locks w
                         WHERE w.locktype = 'advisory' AND NOT w.granted
                           AND w.classid = 0 AND w.objid = $1
                           AND w.pid = ANY(pg_blocking_pids(a.pid)))`,
          [key],
        ),
      ),
    async release() {
      if (released) return;
      released = true;
      await holder.query('SELECT pg_advisory_unlock($1)', [key]);
      await holder.end();
    },
  };
}
