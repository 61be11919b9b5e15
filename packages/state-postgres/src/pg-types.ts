/**
 * The small part of `pg` this package uses. Typing only this (rather than importing `pg`'s
 * classes) lets you pass any compatible pool: a `pg.Pool`, a wrapped or instrumented one.
 */

/** What a query returns. Only `rows` and `rowCount` are read. */
export interface PgQueryResultLike {
  readonly rows: readonly unknown[];
  readonly rowCount: number | null;
}

/** Anything that runs a parameterised query (`$1`, `$2`... placeholders). */
export interface PgQueryable {
  query(text: string, values?: unknown[]): Promise<PgQueryResultLike>;
}

/** One connection checked out of a pool, for transactions. */
export interface PgPoolClientLike extends PgQueryable {
  /** Returns the connection to the pool; passing an error destroys it instead. */
  release(error?: Error | boolean): void;
  /**
   * `pg` clients are event emitters: a checked-out client whose connection drops between
   * statements emits `error`, which nobody handles unless someone listens (the pool stops
   * listening while the client is checked out). Optional in this type, used when present.
   */
  on?(event: 'error', listener: (error: Error) => void): unknown;
  removeListener?(event: 'error', listener: (error: Error) => void): unknown;
}

/** A connection pool, such as `pg.Pool`. */
export interface PgPoolLike extends PgQueryable {
  connect(): Promise<PgPoolClientLike>;
}
