/**
 * Runs tasks one at a time, in call order. The SQLite dialect of Sequelize shares one
 * connection between everything outside a transaction (and, for in-memory databases, with
 * transactions too), so a statement of one call could land inside another call's open
 * transaction; one store's calls therefore take turns. SQLite has a single writer anyway.
 */
export class Serial {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(task: () => Promise<T>): Promise<T> {
    const result = this.tail.then(task, task);
    // The chain only orders tasks: each caller sees its own task's outcome.
    this.tail = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }
}
