import { randomInt } from 'node:crypto';
import pg from 'pg';
import type { BatchWriteGate } from '@batchactions/core/testing';
import { testDatabaseUrl } from './postgres';

/** How often the gate looks at `pg_locks` while it waits for a state to be reached. */
const POLL_MS = 5;

/** Polls `check` until it is true (a state of the server, never a time). */
async function until(check: () => Promise<boolean>, stopped: () => boolean): Promise<void> {
  while (!stopped() && !(await check())) {
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

/**
 * Holds batch writes inside their transaction on PostgreSQL: a trigger in the test's own schema
 * makes every insert into `batchesTable` wait for an advisory lock that the gate's own
 * connection holds until `release`. The lock key is random per gate (advisory locks are
 * database-wide), below 2^31 so that `pg_locks.objid` shows it whole.
 *
 * `schema` is the test's schema (unquoted); `batchesTable` the quoted, schema-qualified table.
 */
export function holdPgBatchWrites(schema: string, batchesTable: string): Promise<BatchWriteGate> {
  return holdPgStatements(schema, batchesTable, 'hold_batch_write', 'BEFORE INSERT');
}

/**
 * Holds batch claims mid-statement on PostgreSQL: a trigger in the test's own schema makes
 * every update of a row of `batchesTable` from PENDING to PROCESSING (a claim, after it read the
 * job row) wait for an advisory lock the gate holds until `release`. `writeHeld` resolves once a
 * claim is held; `lockWaited` once another session waits for a lock the held claim holds.
 */
export function holdPgClaims(schema: string, batchesTable: string): Promise<BatchWriteGate> {
  return holdPgStatements(
    schema,
    batchesTable,
    'hold_batch_claim',
    `BEFORE UPDATE`,
    `WHEN (OLD.status = 'PENDING' AND NEW.status = 'PROCESSING')`,
  );
}

async function holdPgStatements(
  schema: string,
  batchesTable: string,
  name: string,
  timing: string,
  when = '',
): Promise<BatchWriteGate> {
  const key = randomInt(1, 2 ** 31 - 1);
  const holder = new pg.Client({ connectionString: testDatabaseUrl() });
  await holder.connect();
  await holder.query('SELECT pg_advisory_lock($1)', [key]);
  await holder.query(`
    CREATE OR REPLACE FUNCTION "${schema}".${name}() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
      PERFORM pg_advisory_xact_lock_shared(${String(key)});
      RETURN NEW;
    END $$`);
  await holder.query(`
    CREATE TRIGGER ${name} ${timing} ON ${batchesTable}
    FOR EACH ROW ${when} EXECUTE FUNCTION "${schema}".${name}()`);
  let released = false;
  const waitingOn = async (sql: string, values: unknown[]): Promise<boolean> =>
    ((await holder.query(sql, values)).rowCount ?? 0) > 0;
  return {
    writeHeld: () =>
      until(
        () =>
          waitingOn(
            `SELECT 1 FROM pg_locks
           WHERE locktype = 'advisory' AND NOT granted AND classid = 0 AND objid = $1`,
            [key],
          ),
        () => released,
      ),
    lockWaited: () =>
      until(
        () =>
          // A session blocked by a held write (so waiting for a lock that write holds).
          waitingOn(
            `SELECT 1 FROM pg_stat_activity a
           WHERE EXISTS (SELECT 1 FROM pg_locks w
                         WHERE w.locktype = 'advisory' AND NOT w.granted
                           AND w.classid = 0 AND w.objid = $1
                           AND w.pid = ANY(pg_blocking_pids(a.pid)))`,
            [key],
          ),
        () => released,
      ),
    async release() {
      if (released) return;
      released = true;
      await holder.query('SELECT pg_advisory_unlock($1)', [key]);
      await holder.end();
    },
  };
}
