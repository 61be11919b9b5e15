// The PostgreSQL server's time spent on one benchmark's database: `pg_stat_database.active_time`
// (PostgreSQL 14+) of a database that benchmark uses alone. Shared by bench/db-time.mjs and
// bench/fleet.mjs.
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';

/** `serverUrl` with its database replaced by `database`. */
export function databaseUrl(serverUrl, database) {
  const url = new URL(serverUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

/** Runs `work` with a client connected to `serverUrl`, closed afterwards. */
export async function withClient(serverUrl, work) {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** Creates the database `database` on the server unless it exists. */
export function ensureDatabase(serverUrl, database) {
  return withClient(serverUrl, async (client) => {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [
      database,
    ]);
    if (rowCount === 0) await client.query(`CREATE DATABASE ${database}`);
  });
}

/**
 * The server's counters of `database` so far: `activeMs`, the milliseconds it spent running
 * statements there, and `blocks`, the shared-buffer pages those statements touched (hits and
 * reads), a figure of the work done that other processes on the machine do not inflate as they
 * do time. Called with every connection to it closed: a backend flushes its statistics when it
 * exits, so the figures are read until two reads 200 ms apart agree.
 */
export function serverCounters(serverUrl, database) {
  return withClient(serverUrl, async (client) => {
    let last = '';
    for (;;) {
      await client.query('SELECT pg_stat_clear_snapshot()');
      const { rows } = await client.query(
        `SELECT active_time, blks_hit + blks_read AS blocks
         FROM pg_stat_database WHERE datname = $1`,
        [database],
      );
      const now = {
        activeMs: Number(rows[0]?.active_time ?? 0),
        blocks: Number(rows[0]?.blocks ?? 0),
      };
      const seen = JSON.stringify(now);
      if (seen === last) return now;
      last = seen;
      await sleep(200);
    }
  });
}

/**
 * Runs `work` and returns its wall milliseconds, the server time `database` used (`dbMs`) and
 * the shared-buffer pages it touched (`blocks`).
 */
export async function measured(serverUrl, database, work) {
  const before = await serverCounters(serverUrl, database);
  const started = performance.now();
  await work();
  const ms = performance.now() - started;
  const after = await serverCounters(serverUrl, database);
  return { ms, dbMs: after.activeMs - before.activeMs, blocks: after.blocks - before.blocks };
}
