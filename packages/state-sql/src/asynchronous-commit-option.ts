import { InvalidOptionError } from '@batchactions/core';
import type { SqlFamily } from './executor';

/** The store option of asynchronous batch commits (issue 28), shared by the SQL stores' options. */
export interface AsynchronousCommitOption {
  /**
   * PostgreSQL only. Commits each batch's registration (`prepare`) and each batch's completion
   * (the worker's fenced write of its outcome) without waiting for PostgreSQL to flush the
   * write-ahead log to disk, as the store always does for claims: `synchronous_commit` is off
   * for those transactions alone (never for the connection, nor for the job's own writes:
   * opening it, a cancel or a pause, the end of its prepare, its completion). Measured with
   * `batchPayloads` (`node bench/db-time.mjs --pg-async-commit both`): the server's time per
   * 1,000 records fell by about half in prepare and by a quarter to a half in processing.
   *
   * What it risks, and only when the database server itself crashes (not a worker or a client):
   * the writes of its last few hundred milliseconds (three `wal_writer_delay`s at most) that no
   * durable commit followed. They are lost whole and in order, so the job stays consistent and
   * nothing is counted twice: a lost completion leaves its batch PROCESSING under the worker
   * that finished it, reclaimed once stale and processed again (your processor sees those
   * records twice, as after any reclaim); a lost registration is registered again when the
   * prepare resumes. A job reported COMPLETED keeps every batch outcome it counted (its commit
   * flushes the log up to them). On MariaDB, MySQL and SQLite the option is refused
   * (`InvalidOptionError`): they have no per-transaction setting for it.
   * @default false
   */
  readonly asynchronousCommit?: boolean;
}

/**
 * `options.asynchronousCommit` checked against the store's database family.
 * @throws InvalidOptionError when it is not a boolean, or true on a family other than PostgreSQL.
 */
export function resolveAsynchronousCommit(options: unknown, family: SqlFamily): boolean {
  if (typeof options !== 'object' || options === null) return false;
  const value = (options as { asynchronousCommit?: unknown }).asynchronousCommit;
  if (value === undefined) return false;
  if (typeof value !== 'boolean') {
    throw new InvalidOptionError('asynchronousCommit', value, 'true or false');
  }
  if (value && family !== 'postgres') {
    throw new InvalidOptionError(
      'asynchronousCommit',
      value,
      `false or absent on ${family === 'mysql' ? 'MariaDB or MySQL' : family}: only PostgreSQL commits one transaction without waiting for its log flush`,
    );
  }
  return value;
}
