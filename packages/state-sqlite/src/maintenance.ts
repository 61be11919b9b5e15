import Database from 'better-sqlite3';
import type { SqliteDatabase } from './database-handle';
import { SqliteOpenError } from './errors';
import { SCHEMA_VERSION_TABLE, SELECT_SCHEMA_VERSION } from './sql/schema';

/** Options of `SqliteStateStore.reclaimSpace`. */
export interface ReclaimSpaceOptions {
  /**
   * `true`: rewrite the whole file (`VACUUM`): gives back every free page on any file, and turns
   * a file created without incremental auto-vacuum into one with it; it needs free disk space
   * about the database's size and holds the write lock for its duration (seconds per hundred
   * MB: other processes wait). `false` (the default): `PRAGMA incremental_vacuum`, which gives
   * back the free pages in a few milliseconds per MB but only on files with incremental
   * auto-vacuum (new files of this package); on other files it gives nothing back and
   * `mode` says `none`.
   */
  readonly full?: boolean;
}

/** What `reclaimSpace` did. */
export interface ReclaimSpaceResult {
  /** `incremental`, `full` (VACUUM), or `none` (an older file without auto-vacuum: nothing given back; use `full`). */
  readonly mode: 'incremental' | 'full' | 'none';
  /** Bytes of the database (pages × page size) before and after; the WAL file is emptied. */
  readonly bytesBefore: number;
  readonly bytesAfter: number;
  /** Free pages left in the file afterwards. */
  readonly freePagesAfter: number;
}

function pragmaNumber(db: SqliteDatabase, name: string): number {
  const row = db.prepare(`PRAGMA ${name}`).get() as Record<string, number> | undefined;
  return Number(row === undefined ? 0 : Object.values(row)[0]);
}

function databaseBytes(db: SqliteDatabase): number {
  return pragmaNumber(db, 'page_count') * pragmaNumber(db, 'page_size');
}

/** SQLite's `auto_vacuum` value for incremental mode. */
const AUTO_VACUUM_INCREMENTAL = 2;

/**
 * Gives the free pages of the file back to the file system (see {@link ReclaimSpaceOptions}),
 * then truncates the WAL file. Must run outside a transaction.
 */
export function reclaimSpace(db: SqliteDatabase, full: boolean): ReclaimSpaceResult {
  const bytesBefore = databaseBytes(db);
  let mode: ReclaimSpaceResult['mode'];
  if (full) {
    // Set before VACUUM, which applies it: the file reclaims incrementally from now on.
    db.exec('PRAGMA auto_vacuum = INCREMENTAL');
    db.exec('VACUUM');
    mode = 'full';
  } else if (pragmaNumber(db, 'auto_vacuum') === AUTO_VACUUM_INCREMENTAL) {
    db.exec('PRAGMA incremental_vacuum');
    mode = 'incremental';
  } else {
    mode = 'none';
  }
  db.prepare('PRAGMA wal_checkpoint(TRUNCATE)').all();
  return {
    mode,
    bytesBefore,
    bytesAfter: databaseBytes(db),
    freePagesAfter: pragmaNumber(db, 'freelist_count'),
  };
}

/**
 * The schema version a database file holds (the highest migration applied), without creating
 * or migrating anything: opens the file read-only. `0` for a file without this package's
 * tables.
 * @throws SqliteOpenError when the file cannot be opened (missing, not a database).
 */
export function readSqliteSchemaVersion(filename: string): number {
  let db: SqliteDatabase;
  try {
    db = new Database(filename, { readonly: true, fileMustExist: true });
  } catch (error) {
    throw new SqliteOpenError(filename, error);
  }
  try {
    const table = db
      .prepare("SELECT 1 AS found FROM sqlite_master WHERE type = 'table' AND name = ?")
      .get(SCHEMA_VERSION_TABLE);
    if (table === undefined) return 0;
    const row = db.prepare(SELECT_SCHEMA_VERSION).get() as { version: number | null } | undefined;
    return row?.version ?? 0;
  } finally {
    db.close();
  }
}
