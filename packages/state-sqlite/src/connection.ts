import Database from 'better-sqlite3';
import type { SqliteDatabase } from './database-handle';
import { retryWhileBusy } from './busy-retry';
import { SqliteJournalModeError, SqliteOpenError } from './errors';
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
  let db: SqliteDatabase;
  try {
    db = new Database(filename, { timeout: options.busyTimeoutMs });
  } catch (error) {
    throw new SqliteOpenError(filename, error);
  }
  return { db, owned: true, location: filename };
}

/**
 * Per-connection settings. busy_timeout first, so that lock waits are bounded. A new file the
 * store opened itself gets incremental auto-vacuum. WAL lets readers
 * run beside the single writer; NORMAL synchronisation is durable against process crashes (not
 * against power loss of the last commits) and avoids an fsync per transaction. The page cache
 * keeps the connection's size unless `cacheSizeKiB` is given. Switching a fresh
 * file to WAL can fail with SQLITE_BUSY at once when other processes do the same; that is
 * retried until `busyTimeoutMs`.
 */
export async function configureConnection(
  connection: Connection,
  busyTimeoutMs: number,
  cacheSizeKiB?: number,
): Promise<void> {
  const { db } = connection;
  db.exec(`PRAGMA busy_timeout = ${busyTimeoutMs}`);
  // A negative cache_size is in KiB (a positive one would be in pages).
  if (cacheSizeKiB !== undefined) db.exec(`PRAGMA cache_size = -${cacheSizeKiB}`);
  // Before any table exists (a new file), so that the pages a purge frees can be given back
  // by `reclaimSpace` without rewriting the file. On a file with tables SQLite ignores it.
  if (connection.owned) db.exec('PRAGMA auto_vacuum = INCREMENTAL');
  const row = await retryWhileBusy(
    () => db.prepare('PRAGMA journal_mode = WAL').get() as { journal_mode: string } | undefined,
    busyTimeoutMs,
  );
  const mode = row?.journal_mode ?? 'unknown';
  // In-memory databases cannot use WAL; they are private to one connection anyway.
  if (mode !== 'wal' && mode !== 'memory') {
    throw new SqliteJournalModeError(connection.location, mode);
  }
  db.exec('PRAGMA synchronous = NORMAL');
}
