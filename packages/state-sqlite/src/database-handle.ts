/**
 * The part of a better-sqlite3 statement this store uses. Typed here so that the store does not
 * depend on the driver's full type surface.
 */
export interface SqliteStatement {
  run(...params: unknown[]): { readonly changes: number };
  get(...params: unknown[]): unknown;
  all(...params: unknown[]): unknown[];
}

/**
 * The part of a better-sqlite3 `Database` this store uses. Any better-sqlite3 12.x handle fits.
 * A handle passed in stays the caller's: the store sets its pragmas (`busy_timeout`,
 * `journal_mode = WAL`, `synchronous = NORMAL`) but never closes it.
 */
export interface SqliteDatabase {
  prepare(source: string): SqliteStatement;
  exec(source: string): unknown;
  /** True while a transaction is open on this connection. */
  readonly inTransaction: boolean;
  /** False once the handle was closed. */
  readonly open: boolean;
  close(): unknown;
}
