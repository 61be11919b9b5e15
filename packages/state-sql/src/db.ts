import { isDeadlock, type SqlConnection, type SqlExecutor, type SqlFamily } from './executor';

export type { SqlFamily } from './executor';

/** Positional bind values (`$1`, `$2`, ... in the SQL). */
export type Bind = readonly unknown[];

/** The connection of an open transaction, handed to the statements that run in it. */
export type Transaction = SqlConnection;

/**
 * The store's only way to the database: an {@link SqlExecutor}, with the transaction retry the
 * store needs on top.
 *
 * SQL in this package is written with double-quoted identifiers, as PostgreSQL and SQLite read
 * them; for the MySQL family they are turned into backticks once, when the statements are
 * built ({@link forFamily}). No SQL here has a double quote inside a string literal.
 */
export class Db {
  readonly family: SqlFamily;

  constructor(readonly executor: SqlExecutor) {
    this.family = executor.family;
  }

  /** Rows of a statement that returns rows (SELECT, or a write with RETURNING). */
  select<Row extends object>(sql: string, bind: Bind, transaction?: Transaction): Promise<Row[]> {
    return (transaction ?? this.executor).query<Row>(sql, bind);
  }

  /** Runs a write and returns how many rows it changed. */
  run(sql: string, bind: Bind, transaction?: Transaction): Promise<number> {
    return (transaction ?? this.executor).execute(sql, bind);
  }

  /** Runs a statement whose result does not matter (DDL, locks). */
  async exec(sql: string, transaction?: Transaction, bind: Bind = []): Promise<void> {
    await (transaction ?? this.executor).execute(sql, bind);
  }

  /**
   * Runs `work` in a transaction (see {@link SqlExecutor.transaction}); a transaction the server
   * rolled back as a deadlock victim runs again, up to {@link DEADLOCK_ATTEMPTS} times.
   */
  async transaction<T>(
    work: (t: Transaction) => Promise<T>,
    options: { lockingReads?: boolean } = {},
  ): Promise<T> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await this.executor.transaction(work, options);
      } catch (error) {
        if (attempt >= DEADLOCK_ATTEMPTS || !isDeadlock(error)) throw error;
        await new Promise((resolve) => setTimeout(resolve, attempt * 10 + Math.random() * 20));
      }
    }
  }
}

/**
 * How many times {@link Db.transaction} runs a transaction the server chose as a deadlock victim
 * (MySQL/MariaDB 1213, PostgreSQL 40P01). InnoDB takes row locks in index order, so two writers of
 * one job's batch rows can deadlock under load; the victim's transaction is rolled back whole.
 */
export const DEADLOCK_ATTEMPTS = 5;

/** The statement for `family`: double-quoted identifiers become backticks for MySQL. */
export function forFamily(family: SqlFamily, sql: string): string {
  return family === 'mysql' ? sql.replaceAll('"', '`') : sql;
}

/** `$first, $first+1, ...` for `count` values: the placeholders of one row or list. */
export function placeholders(first: number, count: number): string {
  return Array.from({ length: count }, (_, i) => `$${first + i}`).join(', ');
}

/** `($1, $2), ($3, $4), ...`: the VALUES rows of a multi-row insert. */
export function valueRows(first: number, rows: number, columns: number): string {
  const out = new Array<string>(rows);
  for (let r = 0; r < rows; r += 1) out[r] = `(${placeholders(first + r * columns, columns)})`;
  return out.join(',\n');
}

/** Splits `items` into chunks of at most `size`. */
export function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
