import type { EventEmitter } from 'node:events';

/**
 * The part of better-sqlite3 the dialect module uses, typed here so that this package needs
 * neither better-sqlite3 nor its types: any better-sqlite3 12.x `Database` constructor fits.
 */
export interface BetterSqlite3Statement {
  /** Whether the statement returns rows. */
  readonly reader: boolean;
  run(...parameters: unknown[]): { changes: number; lastInsertRowid: number | bigint };
  all(...parameters: unknown[]): unknown[];
  get(...parameters: unknown[]): unknown;
}

/** An open better-sqlite3 connection, as far as the dialect module uses it. */
export interface BetterSqlite3Connection {
  prepare(sql: string): BetterSqlite3Statement;
  exec(sql: string): unknown;
  close(): unknown;
}

/** Options the dialect module passes to the better-sqlite3 constructor. */
export interface BetterSqlite3OpenOptions {
  readonly readonly: boolean;
  readonly fileMustExist: boolean;
  /** Always 0: the module waits for locks itself, without blocking the event loop. */
  readonly timeout: number;
}

/** The better-sqlite3 `Database` constructor (`import Database from 'better-sqlite3'`). */
export type BetterSqlite3Constructor = new (
  filename: string,
  options: BetterSqlite3OpenOptions,
) => BetterSqlite3Connection;

/**
 * What a callback's `this` holds, as with `sqlite3`: `lastID` and `changes` are own properties
 * after `run` only (Sequelize reads them to tell an INSERT's outcome).
 */
export interface Sqlite3StatementResult {
  readonly sql: string;
  lastID?: number;
  changes?: number;
}

/** Called when a connection is open or closed, or `exec` is done. */
export type Sqlite3DoneCallback = (error: Error | null) => void;

/**
 * A connection with the `Database` API of the `sqlite3` driver, as far as Sequelize 6 uses it.
 * Operations run one at a time in call order; callbacks come in a later turn of the event loop.
 * Without a callback, an error is emitted as an `error` event (as `sqlite3` does).
 */
export interface Sqlite3Database extends EventEmitter {
  /** The file given to the constructor (or `:memory:`). */
  readonly filename: string;
  /** The open flags. */
  readonly mode: number;
  /** Whether the connection is open. */
  readonly open: boolean;
  /** Calls `callback` at once: operations always run in call order. */
  serialize(callback?: () => void): this;
  /** As `serialize`: operations always run in call order. */
  parallelize(callback?: () => void): this;
  /**
   * Runs a statement: `(sql, params?, callback?)` with an array or an object of named
   * parameters (`{ $name: value }`), or `(sql, ...values, callback?)`. In the callback,
   * `this.lastID` and `this.changes` say what it did.
   */
  run(sql: string, ...rest: unknown[]): this;
  /** Runs a statement and calls back with every row (`[]` for a statement without rows). */
  all(sql: string, ...rest: unknown[]): this;
  /** Runs a statement and calls back with its first row (`undefined` without one). */
  get(sql: string, ...rest: unknown[]): this;
  /** Runs one or more statements without parameters. */
  exec(sql: string, callback?: Sqlite3DoneCallback): this;
  /** Closes the connection once the operations queued before it have run. */
  close(callback?: Sqlite3DoneCallback): this;
}

/** `new Database(filename, mode?, callback?)`, as `sqlite3` takes it. */
export type Sqlite3DatabaseConstructor = new (
  filename: string,
  modeOrCallback?: number | Sqlite3DoneCallback,
  callback?: Sqlite3DoneCallback,
) => Sqlite3Database;
