import type { SqliteDatabase } from './database-handle';
import { SqliteSchemaVersionError } from './errors';
import {
  CREATE_VERSION_TABLE,
  INSERT_SCHEMA_VERSION,
  MIGRATIONS,
  SCHEMA_VERSION,
  type Migration,
  SELECT_APPLIED_VERSIONS,
  SELECT_SCHEMA_VERSION,
} from './sql/schema';
import { inTransaction } from './transaction';

/**
 * Brings the schema to {@link SCHEMA_VERSION}. Runs in one IMMEDIATE transaction, so when several
 * processes initialise the same file at once, the first applies the migrations and the others
 * wait for its lock, then find nothing left to do. Returns the version found before migrating.
 */
export function migrate(
  db: SqliteDatabase,
  location: string,
  /** The migrations to apply; tests pass more (a version numbered in a gap). */
  migrations: readonly Migration[] = MIGRATIONS,
): number {
  const statements = {
    begin: db.prepare('BEGIN IMMEDIATE'),
    commit: db.prepare('COMMIT'),
    rollback: db.prepare('ROLLBACK'),
  };
  return inTransaction(db, statements, () => {
    db.exec(CREATE_VERSION_TABLE);
    const row = db.prepare(SELECT_SCHEMA_VERSION).get() as { version: number | null } | undefined;
    const current = row?.version ?? 0;
    if (current > SCHEMA_VERSION) {
      throw new SqliteSchemaVersionError(location, current, SCHEMA_VERSION);
    }
    const record = db.prepare(INSERT_SCHEMA_VERSION);
    // Every version not recorded yet, in order: not only those above the highest one, so that
    // a version added below one already applied (numbers taken by changes made side by side)
    // still runs. Migrations 6 and 7 only add columns, which any order allows; 8 rebuilds the
    // tables from the columns of 7, so it comes after them.
    const applied = new Set(
      (db.prepare(SELECT_APPLIED_VERSIONS).all() as { version: number }[]).map((r) => r.version),
    );
    for (const migration of migrations) {
      if (applied.has(migration.version)) continue;
      if (migration.version <= current && migration.version < 6) continue;
      db.exec(migration.sql);
      migration.after?.(db);
      record.run(migration.version, Date.now());
    }
    return current;
  });
}
