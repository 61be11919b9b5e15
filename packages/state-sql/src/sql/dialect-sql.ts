import type { SqlFamily } from '../db';

/**
 * The database clock as epoch milliseconds. Claims, heartbeats and staleness are timed by the
 * database, so workers on machines with skewed clocks agree on which claims are stale.
 */
export function nowMs(family: SqlFamily): string {
  switch (family) {
    case 'postgres':
      // clock_timestamp(), not now(): a statement that waited for a lock records when it acted.
      return `(extract(epoch FROM clock_timestamp()) * 1000)::bigint`;
    case 'mysql':
      return `CAST(UNIX_TIMESTAMP(NOW(3)) * 1000 AS SIGNED)`;
    case 'sqlite':
      return `CAST(ROUND((julianday('now') - 2440587.5) * 86400000) AS INTEGER)`;
  }
}

/**
 * The tail of an INSERT that replaces `columns` of the row already holding the same key
 * (`conflict`: the columns of the unique key, for the dialects that name it).
 */
export function upsertClause(
  family: SqlFamily,
  conflict: readonly string[],
  columns: readonly string[],
): string {
  if (family === 'mysql') {
    return `ON DUPLICATE KEY UPDATE ${columns.map((c) => `"${c}" = VALUES("${c}")`).join(', ')}`;
  }
  return `ON CONFLICT (${conflict.map((c) => `"${c}"`).join(', ')}) DO UPDATE SET ${columns
    .map((c) => `"${c}" = excluded."${c}"`)
    .join(', ')}`;
}

/** The tail of an INSERT that leaves rows whose key is already taken as they are. */
export function ignoreDuplicates(family: SqlFamily, keyColumn: string): string {
  // MySQL's INSERT IGNORE would also swallow conversion errors; a no-op update does not.
  return family === 'mysql'
    ? `ON DUPLICATE KEY UPDATE "${keyColumn}" = "${keyColumn}"`
    : 'ON CONFLICT DO NOTHING';
}
