import type { SqlConnection, SqlExecutor } from '@batchactions/state-sql';
import type { SqliteDatabase, SqliteStatement } from './database-handle';
import { SqliteRollbackError, SqliteStoreNotReadyError } from './errors';
import { fileKeyOf, inTurn } from './file-turns';

/**
 * Most prepared statements kept per connection. The store's fixed statements are a few dozen;
 * multi-row inserts add one per row count used (up to 500 for records), so this is rarely
 * reached. When it is, the oldest entry goes.
 */
const MAX_CACHED_STATEMENTS = 2000;

/**
 * A statement of the cache: the prepared statement, whether it returns rows (`SELECT`,
 * `... RETURNING`), and for each of its `?` the number of the `$n` it stands for.
 */
interface Cached {
  readonly statement: SqliteStatement;
  readonly reader: boolean;
  /** Undefined when each `$n` appears once, in order (values bind as given). */
  readonly order: readonly number[] | undefined;
  /** How many `?` the statement has. */
  readonly count: number;
}

/**
 * The statement text better-sqlite3 binds positionally: `$1`, `$2`, ... become `?` (it takes
 * SQLite's numbered `?NNN` for named parameters), with the value number of each `?` in order.
 */
function positional(sql: string): { readonly text: string; readonly order: number[] } {
  const order: number[] = [];
  const text = sql.replace(/\$(\d+)/g, (_match, digits: string) => {
    order.push(Number(digits) - 1);
    return '?';
  });
  return { text, order };
}

/**
 * The values in the order of the statement's `?`; booleans become 1 and 0 (better-sqlite3 binds numbers, strings, bigints, buffers and null).
 */
function bindable({ order, count }: Cached, values: readonly unknown[]): unknown[] {
  if (order === undefined) {
    // The usual case, `$1`..`$n` each once in order: copied only when a boolean is there.
    let out: unknown[] | undefined = values.length > count ? values.slice(0, count) : undefined;
    for (let i = 0; i < count; i += 1) {
      if (typeof values[i] === 'boolean') {
        out ??= [...values];
        out[i] = Number(values[i]);
      }
    }
    return out ?? (values as unknown[]);
  }
  const out = new Array<unknown>(order.length);
  for (let i = 0; i < order.length; i += 1) {
    const value = values[order[i] as number];
    out[i] = typeof value === 'boolean' ? Number(value) : value;
  }
  return out;
}

/**
 * The {@link SqlExecutor} of one better-sqlite3 connection: every SQL text is prepared once and
 * its statement reused; transactions are `BEGIN IMMEDIATE` ... `COMMIT` on the connection (the
 * write lock first, waiting up to `busy_timeout` for another process's writer, so two writers
 * never deadlock upgrading a read lock). `SqlStateStore` runs one call at a time on SQLite, so
 * no statement of another call lands inside an open transaction; the connections of this
 * process to one file take turns (see `FileTurns`), a transaction in one turn.
 */
export class SqliteExecutor implements SqlExecutor {
  readonly family = 'sqlite' as const;
  private readonly cache = new Map<string, Cached>();
  private db: SqliteDatabase | undefined;
  /** The file's key for its turns (see `FileTurns`). */
  private fileKey: string | undefined;
  /** True while a transaction of this executor is open: its statements are in its turn. */
  private open = false;

  /** Runs statements on `db` from now on (the store's `initialize()` opened it). */
  attach(db: SqliteDatabase): void {
    this.db = db;
    this.fileKey = fileKeyOf(db);
  }

  /** Forgets the connection and every statement prepared on it (the store is closing). */
  detach(): void {
    this.db = undefined;
    this.cache.clear();
  }

  private connection(): SqliteDatabase {
    // The store refuses calls before `initialize()` and after `close()` by name; a call that
    // still reaches the executor then was queued behind the close.
    if (this.db === undefined) throw new SqliteStoreNotReadyError('close', true);
    return this.db;
  }

  private prepared(sql: string): Cached {
    let cached = this.cache.get(sql);
    if (cached === undefined) {
      const { text, order } = positional(sql);
      const statement = this.connection().prepare(text);
      cached = {
        statement,
        // In order, each once: the values bind as given (and no reordered copy is made).
        order: order.every((n, i) => n === i) ? undefined : order,
        count: order.length,
        reader: (statement as { reader?: boolean }).reader !== false,
      };
      if (this.cache.size >= MAX_CACHED_STATEMENTS) {
        const oldest = this.cache.keys().next();
        if (oldest.done !== true) this.cache.delete(oldest.value);
      }
      this.cache.set(sql, cached);
    }
    return cached;
  }

  /** Runs `task` on the connection in the file's turn (maintenance outside transactions). */
  exclusive<T>(task: (db: SqliteDatabase) => T): Promise<T> {
    return inTurn(this.fileKey, () => settle(() => task(this.connection())));
  }

  /** Runs `statement` now inside this executor's transaction, else in the file's turn. */
  private inTurn<T>(statement: () => T): Promise<T> {
    return this.open ? settle(statement) : inTurn(this.fileKey, () => settle(statement));
  }

  query<Row extends object>(sql: string, values: readonly unknown[]): Promise<Row[]> {
    return this.inTurn(() => {
      const cached = this.prepared(sql);
      if (!cached.reader) {
        cached.statement.run(...bindable(cached, values));
        return [];
      }
      return cached.statement.all(...bindable(cached, values)) as Row[];
    });
  }

  execute(sql: string, values: readonly unknown[]): Promise<number> {
    return this.inTurn(() => {
      const cached = this.prepared(sql);
      return cached.statement.run(...bindable(cached, values)).changes;
    });
  }

  /** Runs the statement once per value list (one prepared statement, in one turn). */
  executeMany(sql: string, valueLists: readonly (readonly unknown[])[]): Promise<number> {
    return this.inTurn(() => {
      const cached = this.prepared(sql);
      let changed = 0;
      for (const values of valueLists) {
        changed += cached.statement.run(...bindable(cached, values)).changes;
      }
      return changed;
    });
  }

  /**
   * Runs `work` between `BEGIN IMMEDIATE` and `COMMIT`; a rejection rolls back (unless SQLite
   * already did, as on SQLITE_FULL) and rejects with it.
   * @throws SqliteRollbackError when the rollback itself fails (`cause`: the first error).
   */
  transaction<T>(work: (connection: SqlConnection) => Promise<T>): Promise<T> {
    return inTurn(this.fileKey, async () => {
      const db = this.connection();
      this.prepared('BEGIN IMMEDIATE').statement.run();
      this.open = true;
      try {
        const result = await work(this);
        this.prepared('COMMIT').statement.run();
        return result;
      } catch (error) {
        if (db.inTransaction) {
          try {
            this.prepared('ROLLBACK').statement.run();
          } catch (rollbackError) {
            throw new SqliteRollbackError(error, rollbackError);
          }
        }
        throw error;
      } finally {
        this.open = false;
      }
    });
  }
}

/** Runs `fn` now and turns its result or throw into a promise. */
function settle<T>(fn: () => T): Promise<T> {
  return new Promise<T>((resolve) => {
    resolve(fn());
  });
}
