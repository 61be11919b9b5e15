import type { PgPoolClientLike, PgPoolLike } from './pg-types';

/**
 * Runs `work` inside BEGIN ... COMMIT on one pooled connection; rolls back and rethrows when it
 * throws. A connection whose ROLLBACK failed is destroyed rather than returned to the pool.
 */
export async function withTransaction<T>(
  pool: PgPoolLike,
  work: (client: PgPoolClientLike) => Promise<T>,
): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
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
    client.release(broken);
  }
}
