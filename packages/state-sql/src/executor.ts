/**
 * The SQL family a statement is written for: `postgres` (PostgreSQL), `mysql` (MySQL >= 8 and
 * MariaDB >= 10.6, which speak the same SQL here) or `sqlite` (SQLite >= 3.35).
 */
export type SqlFamily = 'postgres' | 'mysql' | 'sqlite';

/**
 * Runs statements on one connection: the pool outside a transaction, the transaction's own
 * connection inside one.
 *
 * Statements use `$1`, `$2`, ... placeholders in every family, each numbered once per value; a
 * client whose driver wants `?` converts them with {@link toQuestionMarks}. Identifiers are
 * double-quoted (backticks for the MySQL family, already converted when the statement reaches
 * the executor). Values are strings, numbers, booleans, `null` and, for PostgreSQL only, arrays
 * of those (bound as PostgreSQL arrays, for `unnest`).
 */
export interface SqlConnection {
  /** Runs a statement that returns rows (SELECT, or a write with RETURNING) and resolves them. */
  query<Row extends object>(sql: string, values: readonly unknown[]): Promise<Row[]>;
  /**
   * Runs a statement that returns no rows and resolves how many rows it wrote (the driver's
   * affected-rows count; 0 for DDL).
   */
  execute(sql: string, values: readonly unknown[]): Promise<number>;
  /**
   * Optional: runs one statement that returns no rows once per value list, in order, and
   * resolves how many rows they wrote in all. For drivers that rerun a prepared statement
   * cheaply in-process (better-sqlite3): the store then completes a SQLite batch with one
   * keyed UPDATE per record, which SQLite runs faster than one multi-row `UPDATE ... FROM
   * (VALUES ...)`. Without it the store uses the multi-row statement.
   */
  executeMany?(sql: string, valueLists: readonly (readonly unknown[])[]): Promise<number>;
}

/**
 * A comment that opens the statements wanting a plan made for their values each time. An
 * executor that sends statements as named prepared statements (PostgreSQL's
 * `preparedStatements`) sends the statements holding it unprepared: in a generic plan their
 * `= ANY ($n)` over a whole batch's list is a filter scanning the list for every row (500 x 500
 * comparisons a batch), where a plan for the values hashes the list.
 */
export const PLAN_EACH_TIME = '/* plan each time */';

/** How {@link SqlExecutor.transaction} runs a transaction. */
export interface SqlTransactionOptions {
  /**
   * The transaction takes row locks with locking reads (`FOR UPDATE`, `FOR SHARE`). MySQL
   * family executors run such transactions READ COMMITTED, so that a locking read locks only the
   * rows it returns (no gap locks between claimers); the other families keep their default.
   */
  readonly lockingReads?: boolean;
}

/**
 * The port the SQL state store reaches its database through: the whole contract a client
 * library has to meet. Implement it for a client (pg, better-sqlite3, Sequelize, Prisma,
 * postgres.js, Knex, ...) and the store runs on it; see `docs/store-authors.md`.
 *
 * - {@link SqlExecutor.transaction}: SQLite executors begin IMMEDIATE (the write lock first, so
 *   two writers never deadlock upgrading a read lock); a rejected `work` rolls back and rejects
 *   with its error.
 * - The store serialises its own calls on SQLite (one connection, one writer), so a SQLite
 *   executor never sees two statements at once from one store.
 */
export interface SqlExecutor extends SqlConnection {
  /** The SQL family of the database. */
  readonly family: SqlFamily;
  /** Runs `work` in a transaction on one connection; commits when it resolves. */
  transaction<T>(
    work: (connection: SqlConnection) => Promise<T>,
    options?: SqlTransactionOptions,
  ): Promise<T>;
}

/**
 * `$1`, `$2`, ... in `sql` as `?` with the values reordered (and repeated) to match, for drivers
 * that only know positional `?` (mysql2, mariadb, better-sqlite3 without numbered parameters).
 * Statements of the store hold no `$` inside string literals.
 */
export function toQuestionMarks(
  sql: string,
  values: readonly unknown[],
): { readonly sql: string; readonly values: unknown[] } {
  const ordered: unknown[] = [];
  const text = sql.replace(/\$(\d+)/g, (_match, digits: string) => {
    ordered.push(values[Number(digits) - 1]);
    return '?';
  });
  return { sql: text, values: ordered };
}

/**
 * The error of a driver (or of a client wrapping one: Sequelize's `parent`/`original`, an
 * `Error.cause`, Prisma 7's `meta.driverAdapterError`) as a chain, the outermost first.
 */
function* errorChain(error: unknown): Generator<Record<string, unknown>> {
  let e: unknown = error;
  for (let depth = 0; e !== null && typeof e === 'object' && depth < 5; depth += 1) {
    const fields = e as Record<string, unknown>;
    yield fields;
    const meta = fields.meta as Record<string, unknown> | undefined;
    e = fields.parent ?? fields.original ?? fields.cause ?? meta?.driverAdapterError;
  }
}

/**
 * Whether `error` is a unique-key violation: PostgreSQL 23505, MySQL/MariaDB 1062, SQLite
 * `SQLITE_CONSTRAINT_PRIMARYKEY`/`_UNIQUE`, Sequelize's `UniqueConstraintError`, Prisma P2002
 * (or a raw query's wrapped driver error).
 */
export function isUniqueViolation(error: unknown): boolean {
  for (const e of errorChain(error)) {
    if (
      e.code === '23505' ||
      e.errno === 1062 ||
      e.code === 'ER_DUP_ENTRY' ||
      e.code === 'SQLITE_CONSTRAINT_PRIMARYKEY' ||
      e.code === 'SQLITE_CONSTRAINT_UNIQUE' ||
      e.name === 'SequelizeUniqueConstraintError' ||
      e.code === 'P2002' ||
      // Prisma 7 driver adapters: the error's `meta.driverAdapterError.cause`.
      e.kind === 'UniqueConstraintViolation'
    ) {
      return true;
    }
    const meta = e.meta as Record<string, unknown> | undefined;
    if (meta && (meta.code === '23505' || meta.code === '1062' || meta.code === '2067'))
      return true;
  }
  return false;
}

/**
 * Whether the server chose the transaction of `error` as a deadlock victim and rolled it back
 * whole (MySQL/MariaDB 1213, PostgreSQL 40P01): running it again is safe.
 */
export function isDeadlock(error: unknown): boolean {
  for (const e of errorChain(error)) {
    if (e.errno === 1213 || e.code === 'ER_LOCK_DEADLOCK' || e.code === '40P01') return true;
    // Prisma: P2034 (write conflict or deadlock, "retry your transaction"); with Prisma 7
    // driver adapters the driver's code is in the error's `meta.driverAdapterError.cause`.
    if (e.code === 'P2034' || e.originalCode === '40P01' || e.originalCode === '1213') return true;
    const meta = e.meta as Record<string, unknown> | undefined;
    if (meta && (meta.code === '40P01' || meta.code === '1213')) return true;
  }
  return false;
}

/**
 * Whether `error` says a table does not exist: PostgreSQL 42P01, MySQL/MariaDB 1146, SQLite
 * "no such table", through the clients' wrappers (Sequelize, Prisma's driver adapters).
 */
export function isMissingTable(error: unknown): boolean {
  for (const e of errorChain(error)) {
    if (e.code === '42P01' || e.errno === 1146 || e.code === 'ER_NO_SUCH_TABLE') return true;
    if (e.kind === 'TableDoesNotExist') return true;
    if (typeof e.message === 'string' && /no such table/i.test(e.message)) return true;
    const meta = e.meta as Record<string, unknown> | undefined;
    if (meta && (meta.code === '42P01' || meta.code === '1146')) return true;
    const cause = e.cause as Record<string, unknown> | undefined;
    if (cause && typeof cause === 'object' && cause.kind === 'TableDoesNotExist') return true;
  }
  return false;
}
