/**
 * One SQLite statement or transaction at a time in this process, across every
 * `PrismaStateStore` on SQLite.
 *
 * Prisma's SQLite adapters run on synchronous drivers (better-sqlite3): a connection waiting
 * for the write lock (up to its busy timeout) blocks the whole event loop, so the process's
 * other connection holding that lock can never finish and release it. Two stores (two
 * clients) of one process on one file would deadlock until the timeout (`SQLITE_BUSY`).
 * Taking turns in the process avoids that; processes still wait for each other through
 * SQLite's lock, which is how SQLite serialises writers anyway.
 */
let tail: Promise<unknown> = Promise.resolve();

/** Runs `task` once every earlier task of the process has settled. */
export function inTurn<T>(task: () => Promise<T>): Promise<T> {
  const result = tail.then(task, task);
  tail = result.then(
    () => undefined,
    () => undefined,
  );
  return result;
}
