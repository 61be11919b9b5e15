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
 * Milliseconds the server spent running statements in `database` so far. Called with every
 * connection to it closed: a backend flushes its statistics when it exits, so the figure is
 * read until two reads 200 ms apart agree.
 */
export function activeMs(serverUrl, database) {
  return withClient(serverUrl, async (client) => {
    let last = -1;
    for (;;) {
      await client.query('SELECT pg_stat_clear_snapshot()');
      const { rows } = await client.query(
        'SELECT active_time FROM pg_stat_database WHERE datname = $1',
        [database],
      );
      const now = Number(rows[0]?.active_time ?? 0);
      if (now === last) return now;
      last = now;
      await sleep(200);
    }
  });
}

/** Runs `work` and returns its wall milliseconds and the server time `database` used. */
export async function measured(serverUrl, database, work) {
  const before = await activeMs(serverUrl, database);
  const started = performance.now();
  await work();
  const ms = performance.now() - started;
  return { ms, dbMs: (await activeMs(serverUrl, database)) - before };
}
