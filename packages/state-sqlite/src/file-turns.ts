import { resolve } from 'node:path';

/**
 * The connections of this process to one database file take turns, each transaction whole.
 *
 * Why: a transaction of the shared store awaits between its statements. Had a second
 * connection of this process (another store on the same file: four workers in one process,
 * say) begun a write meanwhile, SQLite's busy handler would sleep on this very thread, waiting
 * for a lock that only this thread can release: every write of the process stalls until
 * `busyTimeoutMs` runs out and fails with SQLITE_BUSY. Waiting for the turn instead is a
 * promise, so the holder finishes first. Other processes are waited for by SQLite as before
 * (`busy_timeout`): they run on their own.
 */
export class FileTurns {
  private tail: Promise<unknown> = Promise.resolve();
  private waiting = 0;

  constructor(private readonly onIdle: () => void) {}

  /** Runs `task` once the tasks queued before it settled; resolves its outcome. */
  run<T>(task: () => Promise<T>): Promise<T> {
    this.waiting += 1;
    const result = this.tail.then(task, task);
    this.tail = result.then(
      () => {
        this.settled();
      },
      () => {
        this.settled();
      },
    );
    return result;
  }

  private settled(): void {
    this.waiting -= 1;
    if (this.waiting === 0) this.onIdle();
  }
}

const turnsByFile = new Map<string, FileTurns>();

/**
 * The key of the turns of a connection's database file: its absolute path, from
 * better-sqlite3's `Database.name`; `undefined` for an in-memory database (which no other
 * connection can open) or a handle without a name.
 */
export function fileKeyOf(db: object): string | undefined {
  const name = (db as { name?: unknown }).name;
  if (typeof name !== 'string' || name === '' || name === ':memory:') return undefined;
  return resolve(name);
}

/**
 * Runs `task` in its turn among this process's connections to the file `key` (at once without
 * a key). Look the turns up at each call: idle turns are dropped.
 */
export function inTurn<T>(key: string | undefined, task: () => Promise<T>): Promise<T> {
  if (key === undefined) return task();
  let turns = turnsByFile.get(key);
  if (turns === undefined) {
    const created = new FileTurns(() => {
      if (turnsByFile.get(key) === created) turnsByFile.delete(key);
    });
    turns = created;
    turnsByFile.set(key, turns);
  }
  return turns.run(task);
}
