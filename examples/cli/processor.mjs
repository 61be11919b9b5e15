// The processor module of `batchactions-distributed work --processor processor.mjs`: its default
// export is called once for each valid record (invalid ones never reach it). Throwing marks the
// record failed.
//
// It must be idempotent: when a worker dies in the middle of a batch, another worker processes
// that batch again. This one upserts each user, keyed by email, into a table of an SQLite file
// (USERS_DB, default users.sqlite): running a record twice leaves one row. Every worker process
// opens the file; better-sqlite3 waits up to 10 s for another process's write to finish.
import Database from 'better-sqlite3';

const db = new Database(process.env.USERS_DB ?? 'users.sqlite', { timeout: 10_000 });
db.exec(`CREATE TABLE IF NOT EXISTS users (
  email   TEXT PRIMARY KEY,
  name    TEXT NOT NULL,
  age     INTEGER,
  country TEXT
)`);
const upsert = db.prepare(`
  INSERT INTO users (email, name, age, country) VALUES (@email, @name, @age, @country)
  ON CONFLICT (email) DO UPDATE SET name = excluded.name, age = excluded.age, country = excluded.country
`);

/**
 * @param {Record<string, unknown>} record the row's values, as parsed (strings from a CSV; numbers
 *   with `work --coerce-values`)
 * @param {{ signal: AbortSignal, batchIndex: number, recordIndex: number }} context
 */
export default function processor(record, context) {
  // The signal aborts when the job is cancelled or this worker lost its batch: stop early.
  context.signal.throwIfAborted();
  upsert.run({
    email: String(record.email).toLowerCase(),
    name: String(record.name),
    age: record.age === undefined || record.age === '' ? null : Number(record.age),
    country: record.country === undefined || record.country === '' ? null : String(record.country),
  });
}
