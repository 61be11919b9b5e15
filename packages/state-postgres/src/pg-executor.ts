import { createHash } from 'node:crypto';
import { PLAN_EACH_TIME, type SqlConnection, type SqlExecutor } from '@batchactions/state-sql';
import { SchemaNotInitializedError } from './errors';
import { PgErrorCode, sqlState } from './pg-errors';
import type { PgPoolLike, PgQueryable, PgQueryResultLike } from './pg-types';
import { withTransaction } from './transaction';

/**
 * At most this many distinct statement texts are named per store: the store's statements are a
 * fixed set (a few dozen per schema), so the bound only guards the server's memory (each
 * connection keeps every statement it prepared) should a text ever vary with its input. Texts
 * past it run unnamed.
 */
export const MAX_PREPARED_STATEMENTS = 500;

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

/** A `pg` query in its object form; with `name`, a prepared statement. */
interface QueryConfig {
  readonly name?: string;
  readonly text: string;
  readonly values: unknown[];
}

/** How a statement reaches `pg`: as text and values, or named (prepared once per connection). */
type Send = (
  client: PgQueryable,
  sql: string,
  values: readonly unknown[],
) => Promise<PgQueryResultLike>;

const sendUnnamed: Send = (client, sql, values) => client.query(sql, values as unknown[]);

/**
 * Sends each statement text under a name derived from it (`ba_` and 24 hex digits of its
 * SHA-1), so that `pg` parses it once per connection and PostgreSQL may reuse its plan: the
 * store's statements are long CTEs whose parse and plan cost more server time than their
 * execution (issue 28). Up to {@link MAX_PREPARED_STATEMENTS} texts; the rest, and the texts
 * opening with `PLAN_EACH_TIME` (planned for their values each time), run unnamed.
 */
function sendNamed(): Send {
  // The name of each text, or null for a text that runs unnamed (`PLAN_EACH_TIME`).
  const names = new Map<string, string | null>();
  return (client, sql, values) => {
    let name = names.get(sql);
    if (name === undefined && names.size < MAX_PREPARED_STATEMENTS) {
      name = sql.startsWith(PLAN_EACH_TIME)
        ? null
        : `ba_${createHash('sha1').update(sql).digest('hex').slice(0, 24)}`;
      names.set(sql, name);
    }
    if (name === undefined || name === null) return sendUnnamed(client, sql, values);
    const config: QueryConfig = { name, text: sql, values: values as unknown[] };
    return (client as unknown as { query(c: QueryConfig): Promise<PgQueryResultLike> }).query(
      config,
    );
  };
}

/** Statements on `client`: `pg` binds `$1`..`$n` itself, and JS arrays as PostgreSQL arrays. */
function connection(client: PgQueryable, send: Send): SqlConnection {
  return {
    async query<Row extends object>(sql: string, values: readonly unknown[]): Promise<Row[]> {
      return (await send(client, sql, values)).rows as Row[];
    },
    async execute(sql: string, values: readonly unknown[]): Promise<number> {
      return (await send(client, sql, values)).rowCount ?? 0;
    },
  };
}

/**
 * The executor of a `pg` pool: statements on any pooled connection, a transaction on one
 * (BEGIN ... COMMIT, ROLLBACK when `work` rejects). PostgreSQL's default READ COMMITTED suits
 * the store's locking reads, so `lockingReads` changes nothing here. A missing table or schema
 * rejects with {@link SchemaNotInitializedError}. With `prepared`, statements are sent as named
 * prepared statements (see `PostgresStateStoreCommonOptions.preparedStatements`).
 */
export function pgExecutor(pool: PgPoolLike, schema: string, prepared = false): SqlExecutor {
  const send = prepared ? sendNamed() : sendUnnamed;
  const onPool = connection(pool, send);
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
        withTransaction(pool, (client) => work(connection(client, send))),
      );
    },
  };
}
