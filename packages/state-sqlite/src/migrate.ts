import type { SqliteDatabase } from './database-handle';
import { SqliteSchemaVersionError } from './errors';
import {
  CREATE_VERSION_TABLE,
  INSERT_SCHEMA_VERSION,
  MIGRATIONS,
  SCHEMA_VERSION,
  SELECT_SCHEMA_VERSION,
} from './sql/schema';
import { inTransaction } from './transaction';

/**
 * Brings the schema to {@link SCHEMA_VERSION}. Runs in one IMMEDIATE transaction, so when several
 * processes initialise the same file at once, the first applies the migrations and the others
 * wait for its lock, then find nothing left to do. Returns the version found before migrating.
 */
export function migrate(db: SqliteDatabase, location: string): number {
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
    for (const migration of MIGRATIONS) {
      if (migration.version <= current) continue;
      db.exec(migration.sql);
      record.run(migration.version, Date.now());
    }
    return current;
  });
}
