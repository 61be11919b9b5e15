import type { PgPoolClientLike, PgPoolLike } from './pg-types';

/**
 * Runs `work` inside BEGIN ... COMMIT on one pooled connection; rolls back and rethrows when it
 * throws. A connection whose ROLLBACK failed, or that dropped while checked out, is destroyed
 * rather than returned to the pool.
 *
 * While the connection is checked out, its `error` event is listened to: a connection cut
 * between two statements (a failover, `pg_terminate_backend`, a network cut) makes a `pg` client
 * emit `error` with no query to reject, and the pool does not listen to clients it lent out, so
 * the event would otherwise be an uncaught exception that ends the process. The next statement
 * then rejects (the client is not queryable), the transaction fails like any other, and the
 * worker carries on.
 */
export async function withTransaction<T>(
  pool: PgPoolLike,
  work: (client: PgPoolClientLike) => Promise<T>,
): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  const onError = (error: Error): void => {
    broken ??= error;
  };
  client.on?.('error', onError);
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch((rollbackError: unknown) => {
      broken = rollbackError instanceof Error ? rollbackError : new Error(String(rollbackError));
    });
    throw error;
  } finally {
    // A destroyed connection keeps the listener: it may still report its end.
    if (broken === undefined) client.removeListener?.('error', onError);
    client.release(broken);
  }
}
