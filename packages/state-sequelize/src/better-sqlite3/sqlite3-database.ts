import { EventEmitter } from 'node:events';
import { BatchActionsError, InvalidOptionError } from '@batchactions/core';
import { toBindParameters } from './bind-values';
import { OperationQueue } from './operation-queue';
import type {
  BetterSqlite3Connection,
  BetterSqlite3Constructor,
  BetterSqlite3OpenOptions,
  BetterSqlite3Statement,
  Sqlite3Database,
  Sqlite3DatabaseConstructor,
  Sqlite3StatementResult,
} from './types';

/** SQLite's open flags, under the names `sqlite3` exports them (Sequelize reads two of them). */
export const OPEN_READONLY = 0x1;
export const OPEN_READWRITE = 0x2;
export const OPEN_CREATE = 0x4;
/** Accepted and ignored: a better-sqlite3 connection is only used from one thread anyway. */
export const OPEN_FULLMUTEX = 0x10000;

const KNOWN_FLAGS = OPEN_READONLY | OPEN_READWRITE | OPEN_CREATE | OPEN_FULLMUTEX;

/** Prepared statements kept per connection (the store runs the same few dozen again and again). */
const STATEMENT_CACHE_SIZE = 200;

/** A statement ran on a connection that is closed, or whose opening failed. */
export class SqliteDatabaseClosedError extends BatchActionsError {
  /** The database file (or `:memory:`). */
  readonly filename: string;

  constructor(filename: string) {
    super('SQLITE_MISUSE', `SQLITE_MISUSE: the SQLite database "${filename}" is closed`);
    this.filename = filename;
  }
}

/** What `this` is in a callback of `run`, `all` and `get`; the name is what Sequelize checks. */
class Statement implements Sqlite3StatementResult {
  // Declared only: they become own properties when `run` sets them, as Sequelize expects.
  declare lastID?: number;
  declare changes?: number;

  constructor(readonly sql: string) {}
}

/** A callback of any of the methods, whatever its `this`. */
type AnyCallback = (this: unknown, error: Error | null, rows?: unknown) => void;

/** The arguments after the SQL: `(params?, callback?)`, `(...values, callback?)`. */
function splitArguments(rest: unknown[]): {
  parameters: unknown[] | Record<string, unknown>;
  callback: AnyCallback | undefined;
} {
  const last = rest.at(-1);
  const callback = typeof last === 'function' ? (last as AnyCallback) : undefined;
  const values = callback === undefined ? rest : rest.slice(0, -1);
  const [first] = values;
  if (
    values.length === 1 &&
    typeof first === 'object' &&
    first !== null &&
    !Buffer.isBuffer(first) &&
    !(first instanceof Date)
  ) {
    return { parameters: first as unknown[] | Record<string, unknown>, callback };
  }
  return { parameters: values, callback };
}

function openOptions(mode: number): BetterSqlite3OpenOptions {
  if ((mode & ~KNOWN_FLAGS) !== 0) {
    throw new InvalidOptionError(
      'dialectOptions.mode',
      mode,
      'a combination of OPEN_READONLY, OPEN_READWRITE, OPEN_CREATE and OPEN_FULLMUTEX (the better-sqlite3 dialect module supports no other flag)',
    );
  }
  return {
    readonly: (mode & OPEN_READWRITE) === 0,
    fileMustExist: (mode & OPEN_CREATE) === 0,
    timeout: 0,
  };
}

type Method = 'run' | 'all' | 'get';

/**
 * Builds a class with the `Database` API of the `sqlite3` driver that Sequelize's sqlite dialect
 * calls, over better-sqlite3 connections opened with `Connection`.
 */
export function sqlite3DatabaseClass(
  Connection: BetterSqlite3Constructor,
  busyTimeoutMs: number,
): Sqlite3DatabaseConstructor {
  return class Database extends EventEmitter implements Sqlite3Database {
    /** The file given to the constructor, as `sqlite3` exposes it (Sequelize reads it). */
    readonly filename: string;
    /** The open flags. */
    readonly mode: number;
    /** Whether the connection is open. */
    open = false;
    private connection: BetterSqlite3Connection | undefined;
    private readonly statements = new Map<string, BetterSqlite3Statement>();
    private readonly queue = new OperationQueue(busyTimeoutMs);

    /** Opens `filename`; `callback(error)` is called once it is open or could not be. */
    constructor(
      filename: string,
      modeOrCallback?: number | ((error: Error | null) => void),
      callback?: (error: Error | null) => void,
    ) {
      super();
      this.filename = filename;
      this.mode =
        typeof modeOrCallback === 'number' ? modeOrCallback : OPEN_READWRITE | OPEN_CREATE;
      const done: AnyCallback | undefined =
        typeof modeOrCallback === 'function' ? modeOrCallback : callback;
      this.queue.push({
        execute: () => {
          this.connection = new Connection(filename, openOptions(this.mode));
        },
        finish: (error) => {
          this.open = error === null;
          this.report(done, this, error);
          if (error === null) this.emit('open');
        },
      });
    }

    /** Runs `callback` at once: operations always run one at a time, in call order. */
    serialize(callback?: () => void): this {
      callback?.();
      return this;
    }

    /** As {@link serialize}: operations always run in call order. */
    parallelize(callback?: () => void): this {
      callback?.();
      return this;
    }

    /** Runs a statement; `this.lastID` and `this.changes` in the callback say what it did. */
    run(sql: string, ...rest: unknown[]): this {
      return this.statement('run', sql, rest);
    }

    /** Runs a statement and calls back with every row (`[]` for a statement without rows). */
    all(sql: string, ...rest: unknown[]): this {
      return this.statement('all', sql, rest);
    }

    /** Runs a statement and calls back with its first row (`undefined` without one). */
    get(sql: string, ...rest: unknown[]): this {
      return this.statement('get', sql, rest);
    }

    /** Runs one or more statements without parameters. */
    exec(sql: string, callback?: (error: Error | null) => void): this {
      this.queue.push({
        execute: () => this.openConnection().exec(sql),
        finish: (error) => {
          this.report(callback, this, error);
        },
      });
      return this;
    }

    /** Closes the connection once the operations queued before have run. */
    close(callback?: (error: Error | null) => void): this {
      this.queue.push({
        execute: () => {
          const connection = this.openConnection();
          this.statements.clear();
          this.connection = undefined;
          this.open = false;
          connection.close();
        },
        finish: (error) => {
          this.report(callback, this, error);
          if (error === null) this.emit('close');
        },
      });
      return this;
    }

    private statement(method: Method, sql: string, rest: unknown[]): this {
      const { parameters, callback } = splitArguments(rest);
      const result = new Statement(sql);
      this.queue.push({
        execute: () => {
          const prepared = this.prepare(sql);
          const bind = toBindParameters(parameters);
          if (method === 'run' || !prepared.reader) {
            const info = prepared.run(...bind);
            if (method === 'run') {
              result.lastID = Number(info.lastInsertRowid);
              result.changes = info.changes;
            }
            return method === 'all' ? [] : undefined;
          }
          return method === 'all' ? prepared.all(...bind) : prepared.get(...bind);
        },
        finish: (error, rows) => {
          this.report(callback, result, error, rows);
        },
      });
      return this;
    }

    /** Calls `callback` with `self` as `this`, or emits an error nobody asked to be told of. */
    private report(
      callback: AnyCallback | undefined,
      self: unknown,
      error: Error | null,
      rows?: unknown,
    ): void {
      if (callback !== undefined) {
        callback.call(self, error, rows);
      } else if (error !== null) {
        this.emit('error', error);
      }
    }

    private openConnection(): BetterSqlite3Connection {
      if (this.connection === undefined) throw new SqliteDatabaseClosedError(this.filename);
      return this.connection;
    }

    private prepare(sql: string): BetterSqlite3Statement {
      const cached = this.statements.get(sql);
      if (cached !== undefined) return cached;
      const prepared = this.openConnection().prepare(sql);
      if (this.statements.size >= STATEMENT_CACHE_SIZE) {
        const oldest = this.statements.keys().next();
        if (oldest.done !== true) this.statements.delete(oldest.value);
      }
      this.statements.set(sql, prepared);
      return prepared;
    }
  };
}
