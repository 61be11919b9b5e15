import Database from 'better-sqlite3';
import type { SqliteDatabase } from './database-handle';
import { SqliteJournalModeError } from './errors';
import type { ResolvedSqliteOptions } from './options';

/** An open connection and whether the store opened it (and so must close it). */
export interface Connection {
  readonly db: SqliteDatabase;
  readonly owned: boolean;
  /** File name or `(database handle)`, for messages. */
  readonly location: string;
}

/** Opens the file, or takes the caller's handle. */
export function openConnection(options: ResolvedSqliteOptions): Connection {
  if (options.database) {
    return { db: options.database, owned: false, location: '(database handle)' };
  }
  const filename = options.filename ?? ':memory:';
  const db: SqliteDatabase = new Database(filename, { timeout: options.busyTimeoutMs });
  return { db, owned: true, location: filename };
}

/**
 * Per-connection settings. busy_timeout first, so that switching to WAL waits for other
 * processes instead of failing. WAL lets readers run beside the single writer; NORMAL
 * synchronisation is durable against process crashes (not power loss of the last commits) and
 * avoids an fsync per transaction.
 */
export function configureConnection(connection: Connection, busyTimeoutMs: number): void {
  const { db } = connection;
  db.exec(`PRAGMA busy_timeout = ${busyTimeoutMs}`);
  const row = db.prepare('PRAGMA journal_mode = WAL').get() as { journal_mode: string } | undefined;
  const mode = row?.journal_mode ?? 'unknown';
  // In-memory databases cannot use WAL; they are private to one connection anyway.
  if (mode !== 'wal' && mode !== 'memory')
    throw new SqliteJournalModeError(connection.location, mode);
  db.exec('PRAGMA synchronous = NORMAL');
}
