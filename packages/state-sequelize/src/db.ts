import { QueryTypes, Transaction, type Sequelize } from 'sequelize';

/**
 * The SQL family of a Sequelize dialect: `mysql` covers Sequelize's `mysql` and `mariadb`
 * dialects, which speak the same SQL.
 */
export type SqlFamily = 'postgres' | 'mysql' | 'sqlite';

/** Positional bind values (`$1`, `$2`, ... in the SQL). */
export type Bind = readonly unknown[];

/**
 * The store's only way to the database: raw SQL through `sequelize.query` with bind parameters
 * (`$1`..`$n` in every dialect; Sequelize rewrites them for MySQL and SQLite).
 *
 * SQL in this package is written with double-quoted identifiers, as PostgreSQL and SQLite read
 * them; for the MySQL family they are turned into backticks once, when the statements are
 * built ({@link forFamily}). No SQL here has a double quote inside a string literal.
 */
export class Db {
  constructor(
    readonly sequelize: Sequelize,
    readonly family: SqlFamily,
  ) {}

  /** Rows of a statement that returns rows (SELECT, or a write with RETURNING). */
  async select<Row extends object>(
    sql: string,
    bind: Bind,
    transaction?: Transaction,
  ): Promise<Row[]> {
    return this.sequelize.query<Row>(sql, {
      bind: bind as unknown[],
      type: QueryTypes.SELECT,
      raw: true,
      transaction: transaction ?? null,
    });
  }

  /** Runs a write and returns how many rows it changed. */
  async run(sql: string, bind: Bind, transaction?: Transaction): Promise<number> {
    const changed: unknown = await this.sequelize.query(sql, {
      bind: bind as unknown[],
      type: QueryTypes.BULKUPDATE,
      raw: true,
      transaction: transaction ?? null,
    });
    return Number(changed ?? 0);
  }

  /** Runs a statement whose result does not matter (DDL, locks). */
  async exec(sql: string, transaction?: Transaction, bind: Bind = []): Promise<void> {
    await this.sequelize.query(sql, {
      ...(bind.length > 0 ? { bind: bind as unknown[] } : {}),
      type: QueryTypes.RAW,
      raw: true,
      transaction: transaction ?? null,
    });
  }

  /**
   * Runs `work` in a transaction. SQLite transactions begin IMMEDIATE (they take the write lock
   * first, so two writers never deadlock upgrading a read lock). With `lockingReads`, the MySQL
   * family's run read committed, so that locking reads lock only the rows they return (no gap
   * locks between claimers); the others keep the server default and save that round trip.
   */
  async transaction<T>(
    work: (t: Transaction) => Promise<T>,
    options: { lockingReads?: boolean } = {},
  ): Promise<T> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await this.transactionOnce(work, options);
      } catch (error) {
        // The server rolled the whole transaction back: running it again is safe.
        if (attempt >= DEADLOCK_ATTEMPTS || !isDeadlock(error)) throw error;
        await new Promise((resolve) => setTimeout(resolve, attempt * 10 + Math.random() * 20));
      }
    }
  }

  private async transactionOnce<T>(
    work: (t: Transaction) => Promise<T>,
    options: { lockingReads?: boolean },
  ): Promise<T> {
    if (this.family === 'sqlite') {
      return this.sequelize.transaction({ type: Transaction.TYPES.IMMEDIATE }, work);
    }
    if (this.family === 'mysql' && options.lockingReads === true) {
      return this.sequelize.transaction(
        { isolationLevel: Transaction.ISOLATION_LEVELS.READ_COMMITTED },
        work,
      );
    }
    return this.sequelize.transaction(work);
  }
}

/**
 * How many times {@link Db.transaction} runs a transaction the server chose as a deadlock victim
 * (MySQL/MariaDB 1213, PostgreSQL 40P01). InnoDB takes row locks in index order, so two writers of
 * one job's batch rows can deadlock under load; the victim's transaction is rolled back whole.
 */
export const DEADLOCK_ATTEMPTS = 5;

/** Whether `error` (or the driver error Sequelize wraps) says the transaction was a deadlock victim. */
export function isDeadlock(error: unknown): boolean {
  for (
    let e: unknown = error, depth = 0;
    e !== null && typeof e === 'object' && depth < 4;
    depth += 1
  ) {
    const fields = e as { errno?: unknown; code?: unknown; parent?: unknown; original?: unknown };
    if (fields.errno === 1213 || fields.code === 'ER_LOCK_DEADLOCK' || fields.code === '40P01') {
      return true;
    }
    e = fields.parent ?? fields.original;
  }
  return false;
}

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
