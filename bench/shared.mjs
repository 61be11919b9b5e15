// Pieces shared by the benchmark runners and their worker processes.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const schema = {
  fields: [
    { name: 'id', type: 'number', required: true },
    { name: 'email', type: 'email', required: true },
    { name: 'name', type: 'string', required: true },
    { name: 'age', type: 'number' },
    { name: 'country', type: 'string' },
  ],
};

/** The same schema with `email` unique (enforced job-wide with `jobWideUniqueFields`). */
export const uniqueEmailSchema = { ...schema, uniqueFields: ['email'] };

/** `rows` CSV lines of a users file, header first. */
export function* usersCsvLines(rows) {
  yield 'id,email,name,age,country\n';
  const countries = ['ES', 'FR', 'DE', 'IT', 'PT', 'NL'];
  for (let i = 0; i < rows; i += 1) {
    yield `${i},user${i}@example.com,User ${i},${20 + (i % 50)},${countries[i % countries.length]}\n`;
  }
}

/** Writes `rows` users (`usersCsvLines`) to `file`, a megabyte at a time. */
export function writeUsersCsv(file, rows) {
  return writeLines(file, usersCsvLines(rows));
}

/** Writes the strings of `lines` to `file`, a megabyte at a time. */
export async function writeLines(file, lines) {
  const out = createWriteStream(file);
  let buffer = '';
  for (const line of lines) {
    buffer += line;
    if (buffer.length > 1 << 20) {
      if (!out.write(buffer)) await once(out, 'drain');
      buffer = '';
    }
  }
  out.end(buffer);
  await once(out, 'finish');
}

/** Opens the store a parent process described in environment variables. */
export async function freshStoreFromEnv(env) {
  if (env.STORE_KIND === 'sqlite') {
    const { SqliteStateStore } = await import('@batchactions/state-sqlite');
    const store = new SqliteStateStore({
      filename: env.SQLITE_FILE,
      batchPayloads: env.BATCH_PAYLOADS === '1',
      // SQLITE_CACHE_KIB: the store's `cacheSizeKiB` (bench/memory.mjs --sqlite-cache-kib).
      ...(env.SQLITE_CACHE_KIB ? { cacheSizeKiB: Number(env.SQLITE_CACHE_KIB) } : {}),
    });
    await store.initialize();
    return store;
  }
  const { PostgresStateStore } = await import('@batchactions/state-postgres');
  const store = new PostgresStateStore({
    connectionString: env.DATABASE_URL,
    schema: env.PG_SCHEMA,
    batchPayloads: env.BATCH_PAYLOADS === '1',
    // PG_PREPARED=1: the store's `preparedStatements: true` (bench/db-time.mjs --pg-prepared);
    // anything else keeps the default (false).
    preparedStatements: env.PG_PREPARED === '1',
    // PG_ASYNC_COMMIT=1: the store's `asynchronousCommit: true` (bench/db-time.mjs
    // --pg-async-commit); anything else keeps the default (false).
    asynchronousCommit: env.PG_ASYNC_COMMIT === '1',
  });
  await store.initialize();
  return store;
}

/**
 * Runs `script` (a path; default bench/worker.mjs) in a child process with `env` added to this
 * process's environment and resolves with the JSON line it printed last (its counts and
 * timings). `nodeArgs`: options for node itself.
 */
export function runBenchWorker(
  env,
  script = fileURLToPath(new URL('./worker.mjs', import.meta.url)),
  nodeArgs = [],
) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...nodeArgs, script], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.on('close', (code) =>
      code === 0
        ? resolve(JSON.parse(out.trim().split('\n').at(-1)))
        : reject(new Error(`worker exited ${code}`)),
    );
  });
}
