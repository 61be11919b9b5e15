import pg from 'pg';
import { startThrowawayPostgres, ThrowawayPostgresError } from './support/throwaway-postgres';

/**
 * Vitest global setup: gives every test process a PostgreSQL server in `DATABASE_URL`.
 *
 * - `DATABASE_URL` set (CI, or your own server): it must answer, or the whole run fails here.
 *   A missing database is a failure, never a reason to skip the PostgreSQL tests.
 * - Not set: starts a throwaway server (tests/support/throwaway-postgres.ts) on a free port with
 *   a temporary data directory, and stops and deletes it after the run. When it cannot start,
 *   the run stops with one line saying why and what to do.
 *
 * Test processes are forked after this runs and inherit `process.env`. Tests create their own
 * schema each (tests/support/postgres.ts), so nothing is shared between them.
 */
export default async function setup(): Promise<() => Promise<void>> {
  const given = process.env.DATABASE_URL;
  if (given !== undefined && given !== '') {
    await checkReachable(given);
    return () => Promise.resolve();
  }
  const server = await startThrowawayPostgres().catch((error: unknown) => {
    if (!(error instanceof ThrowawayPostgresError)) throw error;
    // Its message says why and what to do; a stack would only bury it.
    console.error(`\n${error.message}\n`);
    process.exit(1);
  });
  await checkReachable(server.url).catch(async (error: unknown) => {
    await server.stop();
    throw error;
  });
  process.env.DATABASE_URL = server.url;
  return async () => {
    await server.stop();
    delete process.env.DATABASE_URL;
  };
}

/** The URL without its password, for messages. */
function redact(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch (error) {
    return `(an unparsable URL: ${String(error)})`;
  }
}

async function checkReachable(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
  } catch (error) {
    throw new Error(
      `DATABASE_URL is set to ${redact(url)} but that PostgreSQL server cannot be reached: ${String(error)}. ` +
        'Start it, or unset DATABASE_URL to let the tests start a throwaway server.',
      { cause: error },
    );
  } finally {
    await client.end().catch((endError: unknown) => {
      console.error('global-setup: closing the check connection failed:', endError);
    });
  }
}
