import { whenFileEnds } from './file-end';

/** What {@link ReusableDatabases} needs of a server: PostgreSQL schemas, MariaDB databases. */
export interface DatabaseCatalog {
  /**
   * One line per column, default, constraint, index, trigger and function of database (or
   * schema) `name`, in a stable order.
   */
  definition(name: string): Promise<string[]>;
  /** Its tables. */
  tables(name: string): Promise<string[]>;
  /** The rows of one of its tables, each as an object. */
  rows(name: string, table: string): Promise<Record<string, unknown>[]>;
  /** Deletes every row of `tables`, restarting their identity / auto-increment counters. */
  empty(name: string, tables: readonly string[]): Promise<void>;
  /** Drops it and everything in it. */
  drop(name: string): Promise<void>;
  /** Closes the catalog's connections. */
  end(): Promise<void>;
}

/** Columns of a migrations table that say when, not what: left out of the comparison. */
const TIMESTAMP_COLUMN = /(_at|At)$/;

/**
 * Migrated test databases (PostgreSQL schemas, MariaDB databases) kept for the next test of the
 * same file, so that a file's tests share one migration instead of creating, migrating and
 * dropping a database each (most of the time of the database tests went there).
 *
 * One is handed back only when its definition (tables, columns, defaults, constraints, indexes,
 * triggers, functions, and the rows of its migrations table) is exactly what a fresh migration
 * gave: one whose test added a trigger, dropped a column or changed the recorded schema version
 * is dropped, as every database was before. The rows of its other tables are deleted, which
 * leaves it as a fresh migration left it. One pool per kind of store: each has its own
 * reference definition.
 */
export class ReusableDatabases {
  private readonly free: string[] = [];
  /** The definition of a freshly migrated database of this kind, its name left out. */
  private reference: string | undefined;

  /**
   * @param catalog the server
   * @param keep tables whose rows belong to the definition (the migrations table)
   */
  constructor(
    private readonly catalog: DatabaseCatalog,
    private readonly keep: RegExp,
  ) {
    whenFileEnds(async () => {
      for (const name of this.free.splice(0)) await this.catalog.drop(name);
      await this.catalog.end();
    });
  }

  /** A migrated, empty database from an earlier test of this file, if one is free. */
  take(): string | undefined {
    return this.free.pop();
  }

  /** Records the definition of a freshly migrated database, the first time one is seen. */
  async learn(name: string): Promise<void> {
    this.reference ??= await this.definition(name);
  }

  /**
   * After its test: keeps `name` for the next test, emptied, when its definition is still a
   * fresh migration's; drops it otherwise.
   */
  async recycle(name: string): Promise<void> {
    if (this.reference === undefined || (await this.definition(name)) !== this.reference) {
      await this.catalog.drop(name);
      return;
    }
    const emptied = (await this.catalog.tables(name)).filter((table) => !this.keep.test(table));
    await this.catalog.empty(name, emptied);
    this.free.push(name);
  }

  /** Drops `name` at once (a database whose migration failed). */
  drop(name: string): Promise<void> {
    return this.catalog.drop(name);
  }

  private async definition(name: string): Promise<string> {
    const lines = await this.catalog.definition(name);
    for (const table of await this.catalog.tables(name)) {
      if (!this.keep.test(table)) continue;
      const rows = (await this.catalog.rows(name, table)).map((row) =>
        JSON.stringify(
          Object.entries(row).filter(([column]) => !TIMESTAMP_COLUMN.test(column)),
          (_key, value: unknown) => (typeof value === 'bigint' ? String(value) : value),
        ),
      );
      lines.push(`rows of ${table}: ${rows.sort().join('; ')}`);
    }
    return lines.join('\n').replaceAll(name, '{{name}}');
  }
}
