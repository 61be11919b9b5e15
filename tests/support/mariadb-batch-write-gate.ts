import { randomInt } from 'node:crypto';
import mariadb, { type Connection } from 'mariadb';
import type { DistributedStateStore } from '@batchactions/core';
import type { BatchWriteGate } from '@batchactions/core/testing';

/** How often the gate looks at the server's sessions while it waits for a state to be reached. */
const POLL_MS = 5;

/** How long a held statement waits for the gate's lock before MariaDB gives up (seconds). */
const HOLD_SECONDS = 120;

/** Polls `check` until it is true (a state of the server, never a time). */
async function until(check: () => Promise<boolean>, stopped: () => boolean): Promise<void> {
  while (!stopped() && !(await check())) {
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

/**
 * Holds batch writes inside their transaction on MariaDB: a trigger in the test's own database
 * makes every insert into `batchesTable` wait for a named lock (`GET_LOCK`) that the gate's own
 * connection holds until `release`. Named locks are server-wide, so the name is random per gate.
 *
 * `url` reaches the test's database (its path names it); `batchesTable` is the unquoted table.
 */
export function holdMariadbBatchWrites(url: string, batchesTable: string): Promise<BatchWriteGate> {
  return holdMariadbStatements(url, batchesTable, 'hold_batch_write', 'BEFORE INSERT', 'TRUE');
}

/**
 * Holds batch claims mid-statement on MariaDB: a trigger in the test's own database makes every
 * update of a row of `batchesTable` from PENDING to PROCESSING (a claim, after it read the job's
 * status) wait for a named lock the gate holds until `release`.
 */
export function holdMariadbClaims(url: string, batchesTable: string): Promise<BatchWriteGate> {
  return holdMariadbStatements(
    url,
    batchesTable,
    'hold_batch_claim',
    'BEFORE UPDATE',
    `OLD.\`status\` = 'PENDING' AND NEW.\`status\` = 'PROCESSING'`,
  );
}

async function holdMariadbStatements(
  url: string,
  batchesTable: string,
  trigger: string,
  timing: string,
  when: string,
): Promise<BatchWriteGate> {
  const lockName = `gate_${String(randomInt(1, 2 ** 31 - 1))}`;
  const database = decodeURIComponent(new URL(url).pathname.slice(1));
  const holder = await mariadb.createConnection(url);
  const [taken] = await holder.query<{ got: number | bigint }[]>('SELECT GET_LOCK(?, 0) AS got', [
    lockName,
  ]);
  if (Number(taken?.got) !== 1)
    throw new Error(`the gate could not take its named lock ${lockName}`);
  await holder.query(`DROP TRIGGER IF EXISTS ${trigger}`);
  // One statement (no BEGIN ... END): the held session takes the lock and gives it straight back,
  // so that every later held statement can have it too once the gate lets go.
  await holder.query(`
    CREATE TRIGGER ${trigger} ${timing} ON \`${batchesTable}\` FOR EACH ROW
    SET @batchactions_gate = IF(${when},
      GET_LOCK('${lockName}', ${String(HOLD_SECONDS)}) + RELEASE_LOCK('${lockName}'), 0)`);
  let released = false;
  const any = async (sql: string, values: unknown[]): Promise<boolean> =>
    (await holder.query<unknown[]>(sql, values)).length > 0;
  // A session held by the trigger: it waits for the gate's named lock (PROCESSLIST shows the
  // trigger's statement, which names the lock, in state "User lock").
  const HELD = `
    SELECT ID FROM information_schema.PROCESSLIST
    WHERE STATE = 'User lock' AND INFO LIKE CONCAT('%', ?, '%') AND ID <> CONNECTION_ID()`;
  return {
    writeHeld: () =>
      until(
        () => any(HELD, [lockName]),
        () => released,
      ),
    lockWaited: () =>
      until(
        async () => rowLockWaitIn(await innodbStatus(holder), database),
        () => released,
      ),
    async release() {
      if (released) return;
      released = true;
      await holder.query('DO RELEASE_LOCK(?)', [lockName]);
      // Waits, for its metadata lock, until the transactions that used the table have ended.
      await holder.query(`DROP TRIGGER IF EXISTS ${trigger}`);
      await holder.end();
    },
  };
}

/** The text of `SHOW ENGINE INNODB STATUS` (the InnoDB monitor). */
async function innodbStatus(connection: Connection): Promise<string> {
  const rows = await connection.query<{ Status: string }[]>('SHOW ENGINE INNODB STATUS');
  return rows[0]?.Status ?? '';
}

/**
 * Whether the InnoDB monitor shows a transaction waiting for a row lock on a table of
 * `database`. MariaDB lists a transaction that waits for a row lock another one took by a locking
 * read (`SELECT ... FOR UPDATE` in its "Statistics" stage) in neither `INNODB_TRX` nor
 * `INNODB_LOCK_WAITS`; the monitor's transaction list does show it ("LOCK WAIT", then "TRX HAS
 * BEEN WAITING ... FOR THIS LOCK TO BE GRANTED" and the table). The test's database is its own,
 * and the held statement is the only other one there holding locks, so a wait there is a wait
 * for the held statement.
 */
function rowLockWaitIn(status: string, database: string): boolean {
  const list = status.split('LIST OF TRANSACTIONS FOR EACH SESSION:')[1] ?? '';
  const table = `of table \`${database}\`.`;
  return list
    .split('---TRANSACTION ')
    .some(
      (block) =>
        block.includes('LOCK WAIT') &&
        block.includes('FOR THIS LOCK TO BE GRANTED') &&
        block.includes(table),
    );
}

/** Both gates for a conformance harness whose stores are on MariaDB (`urlOf`: a store's database). */
export function mariadbGates(urlOf: (store: DistributedStateStore) => string): {
  holdBatchWrites: (store: DistributedStateStore) => Promise<BatchWriteGate>;
  holdClaims: (store: DistributedStateStore) => Promise<BatchWriteGate>;
} {
  return {
    holdBatchWrites: (store) => holdMariadbBatchWrites(urlOf(store), 'batchactions_batches'),
    holdClaims: (store) => holdMariadbClaims(urlOf(store), 'batchactions_batches'),
  };
}
