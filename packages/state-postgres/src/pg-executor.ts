import type { SqlConnection, SqlExecutor } from '@batchactions/state-sql';
import { SchemaNotInitializedError } from './errors';
import { PgErrorCode, sqlState } from './pg-errors';
import type { PgPoolLike, PgQueryable } from './pg-types';
import { withTransaction } from './transaction';

/** Turns "relation does not exist" into an error that says to call `initialize()`. */
export async function translateErrors<T>(schema: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    const state = sqlState(error);
    if (state === PgErrorCode.UNDEFINED_TABLE || state === PgErrorCode.INVALID_SCHEMA_NAME) {
      throw new SchemaNotInitializedError(schema, error);
    }
    throw error;
  }
}

/** Statements on `client`: `pg` binds `$1`..`$n` itself, and JS arrays as PostgreSQL arrays. */
function connection(client: PgQueryable): SqlConnection {
  return {
    async query<Row extends object>(sql: string, values: readonly unknown[]): Promise<Row[]> {
      return (await client.query(sql, values as unknown[])).rows as Row[];
    },
    async execute(sql: string, values: readonly unknown[]): Promise<number> {
      return (await client.query(sql, values as unknown[])).rowCount ?? 0;
    },
  };
}

/**
 * The executor of a `pg` pool: statements on any pooled connection, a transaction on one
 * (BEGIN ... COMMIT, ROLLBACK when `work` rejects). PostgreSQL's default READ COMMITTED suits
 * the store's locking reads, so `lockingReads` changes nothing here. A missing table or schema
 * rejects with {@link SchemaNotInitializedError}.
 */
export function pgExecutor(pool: PgPoolLike, schema: string): SqlExecutor {
  const onPool = connection(pool);
  return {
    family: 'postgres',
    query<Row extends object>(sql: string, values: readonly unknown[]): Promise<Row[]> {
      return translateErrors(schema, () => onPool.query<Row>(sql, values));
    },
    execute(sql: string, values: readonly unknown[]): Promise<number> {
      return translateErrors(schema, () => onPool.execute(sql, values));
    },
    transaction<T>(work: (c: SqlConnection) => Promise<T>): Promise<T> {
      return translateErrors(schema, () =>
        withTransaction(pool, (client) => work(connection(client))),
      );
    },
  };
}
