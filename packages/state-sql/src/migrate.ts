import { BatchActionsError } from '@batchactions/core';
import { Db, forFamily, type Transaction } from './db';
import { isMissingTable, type SqlExecutor } from './executor';
import { SchemaVersionError } from './errors';
import { LATEST_SCHEMA_VERSION, MIGRATIONS } from './migrations';
import type { TableNames } from './tables';
import { quoteTables, type QuotedTables } from './sql/tables';

/** What `migrate()` (the migrations `initialize()` runs) did. */
export interface MigrationOutcome {
  /** Schema version before the call (0 for new tables or tables of the published 0.0.5). */
  readonly fromVersion: number;
  /** Schema version after the call. */
  readonly toVersion: number;
  /** Versions this call applied, in order (empty when the tables were up to date). */
  readonly applied: readonly number[];
}

/** Seconds a process waits for another one's migration before giving up (MySQL family). */
const MYSQL_LOCK_WAIT_SECONDS = 120;

/**
 * Serialises migrations between processes for the rest of `transaction`:
 * PostgreSQL a transaction-scoped advisory lock, the MySQL family a named lock on the
 * transaction's connection (DDL commits implicitly there, so a transaction cannot hold it),
 * SQLite the write lock its IMMEDIATE transaction already holds.
 */
async function lockMigrations(db: Db, key: string, transaction: Transaction): Promise<void> {
  if (db.family === 'postgres') {
    // Run as a statement, not read as rows: its one column is of type void, which some
    // clients (Prisma's raw queries) refuse to deserialise.
    await db.exec('SELECT pg_advisory_xact_lock(hashtext($1))', transaction, [key]);
  } else if (db.family === 'mysql') {
    const rows = await db.select<{ locked: number | string | null }>(
      'SELECT GET_LOCK($1, $2) AS locked',
      [key, MYSQL_LOCK_WAIT_SECONDS],
      transaction,
    );
    if (Number(rows[0]?.locked) !== 1) {
      throw new BatchActionsError(
        'MIGRATION_LOCK_TIMEOUT',
        `Waited ${MYSQL_LOCK_WAIT_SECONDS}s for lock "${key}", held by another process migrating the tables`,
      );
    }
  }
}

async function unlockMigrations(db: Db, key: string, transaction: Transaction): Promise<void> {
  if (db.family === 'mysql') {
    await db.select('SELECT RELEASE_LOCK($1) AS released', [key], transaction);
  }
}

/** The name of the lock: per database (and PostgreSQL schema) and table prefix. */
async function lockKey(db: Db, names: TableNames, transaction: Transaction): Promise<string> {
  if (db.family === 'sqlite') return names.jobs;
  const sql =
    db.family === 'postgres'
      ? 'SELECT current_database() || $1 || current_schema() AS name'
      : 'SELECT CONCAT(DATABASE(), $1) AS name';
  const rows = await db.select<{ name: string }>(sql, ['.'], transaction);
  // MySQL lock names are limited to 64 characters.
  return `bact:${rows[0]?.name ?? ''}.${names.jobs}`.slice(0, 64);
}

/**
 * Creates the tables or brings them to {@link LATEST_SCHEMA_VERSION}: the published 0.0.5
 * tables first (a no-op where they exist), then this package's additions. Safe when many
 * processes start at once: one migrates while the others wait for its lock, then find the
 * tables up to date. Refuses tables that a newer version migrated further. `upTo` (default the
 * latest version) stops earlier: the upgrade tests build the tables of an earlier release.
 */
export async function migrateTables(
  db: Db,
  names: TableNames,
  t: QuotedTables,
  upTo: number = LATEST_SCHEMA_VERSION,
): Promise<MigrationOutcome> {
  // Tables already up to date (every start after the first) are told by one read, without the
  // lock: a fleet of workers starting at once does not queue behind each other's migration
  // transaction. A version row is written after its migration's statements, so a recorded
  // version is a finished one; anything missing (or no table yet) takes the locked path.
  const recorded = await recordedVersions(db, t);
  if (recorded !== undefined) {
    const fromVersion = checkedFromVersion(recorded, names);
    if (pendingMigrations(recorded, fromVersion, upTo).length === 0) {
      return { fromVersion, toVersion: Math.max(fromVersion, upTo), applied: [] };
    }
  }
  return db.transaction(async (transaction) => {
    const key = await lockKey(db, names, transaction);
    await lockMigrations(db, key, transaction);
    try {
      return await applyMigrations(db, names, t, transaction, upTo);
    } finally {
      await unlockMigrations(db, key, transaction);
    }
  });
}

async function applyMigrations(
  db: Db,
  names: TableNames,
  t: QuotedTables,
  transaction: Transaction,
  upTo: number,
): Promise<MigrationOutcome> {
  const q = (sql: string) => forFamily(db.family, sql);
  await db.exec(
    q(`CREATE TABLE IF NOT EXISTS ${t.schemaVersion} (
         "version" INTEGER NOT NULL PRIMARY KEY,
         "name" VARCHAR(100) NOT NULL,
         "appliedAt" BIGINT NOT NULL)`),
    transaction,
  );
  const recorded = new Set(
    (
      await db.select<{ version: number | string }>(
        q(`SELECT "version" FROM ${t.schemaVersion}`),
        [],
        transaction,
      )
    ).map((row) => Number(row.version)),
  );
  const fromVersion = checkedFromVersion(recorded, names);
  const applied: number[] = [];
  for (const migration of pendingMigrations(recorded, fromVersion, upTo)) {
    for (const statement of migration.statements(db.family, names)) {
      await db.exec(q(statement), transaction);
    }
    if (db.family === 'postgres' && migration.version === 2) {
      await widenRecordIdSequence(db, names, transaction);
    }
    await migration.after?.(db, t, transaction);
    await db.run(
      q(`INSERT INTO ${t.schemaVersion} ("version", "name", "appliedAt") VALUES ($1, $2, $3)`),
      [migration.version, migration.name, Date.now()],
      transaction,
    );
    applied.push(migration.version);
  }
  return { fromVersion, toVersion: Math.max(fromVersion, upTo), applied };
}

/**
 * The versions recorded in the schema-version table, read outside any transaction; `undefined`
 * when the table does not exist yet (the first start), which sends the caller down the locked
 * path, where it is created.
 */
async function recordedVersions(db: Db, t: QuotedTables): Promise<Set<number> | undefined> {
  try {
    const rows = await db.select<{ version: number | string }>(
      forFamily(db.family, `SELECT "version" FROM ${t.schemaVersion}`),
      [],
    );
    return new Set(rows.map((row) => Number(row.version)));
  } catch (error) {
    if (isMissingTable(error)) return undefined;
    throw error;
  }
}

/** The highest recorded version; `SchemaVersionError` when a newer release migrated further. */
function checkedFromVersion(recorded: ReadonlySet<number>, names: TableNames): number {
  const fromVersion = Math.max(0, ...recorded);
  if (fromVersion > LATEST_SCHEMA_VERSION) {
    throw new SchemaVersionError(names.schemaVersion, fromVersion, LATEST_SCHEMA_VERSION);
  }
  return fromVersion;
}

/**
 * The migrations up to `upTo` not recorded yet, in order: every version not recorded, not only
 * those above the highest (a version numbered below one already applied, numbers taken by
 * changes made side by side, still runs). Versions up to 5 were always applied in order, so
 * the highest one tells for them.
 */
function pendingMigrations(
  recorded: ReadonlySet<number>,
  fromVersion: number,
  upTo: number,
): typeof MIGRATIONS {
  return MIGRATIONS.filter(
    (m) =>
      m.version <= upTo &&
      !recorded.has(m.version) &&
      !(m.version <= fromVersion && m.version <= 5),
  );
}

/** PostgreSQL: the SERIAL sequence behind `records.id` is an integer one; make it 64-bit too. */
async function widenRecordIdSequence(
  db: Db,
  names: TableNames,
  transaction: Transaction,
): Promise<void> {
  const rows = await db.select<{ sequence: string | null }>(
    'SELECT pg_get_serial_sequence($1, $2) AS sequence',
    [`"${names.records}"`, 'id'],
    transaction,
  );
  const sequence = rows[0]?.sequence;
  if (sequence) await db.exec(`ALTER SEQUENCE ${sequence} AS bigint`, transaction);
}

/**
 * Creates the tables of the published layout named `names`, or brings them to
 * {@link LATEST_SCHEMA_VERSION} (see {@link migrateTables}): the schema set-up of the Sequelize
 * and Prisma stores.
 */
export function migratePublishedTables(
  executor: SqlExecutor,
  names: TableNames,
  upTo: number = LATEST_SCHEMA_VERSION,
): Promise<MigrationOutcome> {
  return migrateTables(new Db(executor), names, quoteTables(names), upTo);
}
