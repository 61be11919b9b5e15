import type { SqlConnection, SqlExecutor } from '@batchactions/state-sql';
import type postgres from 'postgres';
import type { Sql, TransactionSql } from 'postgres';

/**
 * PostgreSQL's `unknown` type. postgres.js serialises a value by the type the server describes
 * for its parameter, and for `json` that is `JSON.stringify`: the JSON text the store binds
 * would arrive as a JSON string, not the array or object it holds. A string bound as `unknown`
 * is sent as it is, and the server still infers the parameter's type from the statement (a
 * parameter declared `unknown` is resolved like an undeclared one).
 */
const UNKNOWN_OID = 705;

/**
 * A value as the store means it: strings as text the server types from the statement; numbers,
 * booleans, `null` and arrays (bound as PostgreSQL arrays, for `unnest($n::integer[])`) as
 * postgres.js binds them.
 */
function bindable(sql: Sql, value: unknown): unknown {
  return typeof value === 'string' ? sql.typed(value, UNKNOWN_OID) : value;
}

/** Statements on `target`: the pool, or the connection of a transaction. */
function connection(sql: Sql, target: Sql | TransactionSql): SqlConnection {
  const run = (text: string, values: readonly unknown[]) =>
    target.unsafe(
      text,
      values.map((value) => bindable(sql, value)) as postgres.ParameterOrJSON<never>[],
    );
  return {
    query: async <Row extends object>(text: string, values: readonly unknown[]) =>
      Array.from(await run(text, values)) as Row[],
    execute: async (text: string, values: readonly unknown[]) => {
      // postgres.js types `count` as a number, but it is null after DDL (CREATE, ALTER).
      const { count } = (await run(text, values)) as { readonly count: number | null };
      return count ?? 0;
    },
  };
}

/**
 * The executor of a postgres.js instance (`postgres(url)`): statements through `sql.unsafe`
 * (which takes `$1`, `$2`, ... as the store writes them), transactions through `sql.begin`
 * (READ COMMITTED, PostgreSQL's default; a rejected `work` rolls back and rejects with its
 * error). Unique violations (23505) and deadlocks (40P01) arrive as postgres.js errors whose
 * `code` is the SQLSTATE, which the store's checks read.
 */
export function postgresJsExecutor(sql: Sql): SqlExecutor {
  return {
    family: 'postgres',
    ...connection(sql, sql),
    transaction: <T>(work: (c: SqlConnection) => Promise<T>): Promise<T> =>
      sql.begin((tx) => work(connection(sql, tx))),
  };
}
