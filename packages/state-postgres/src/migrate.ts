import { MIGRATIONS, LATEST_SCHEMA_VERSION } from './migrations';
import { SchemaVersionError } from './errors';
import type { PgPoolLike } from './pg-types';
import type { SchemaTables } from './tables';
import { withTransaction } from './transaction';

/**
 * First key of the advisory lock that serialises migrations (the second is the schema's hash):
 * the bytes of "bact", so that it does not collide with other applications' locks.
 */
const MIGRATION_LOCK_NAMESPACE = 0x62616374;

/** What `initialize()` did. */
export interface MigrationOutcome {
  /** Schema version before the call (0 for a new schema). */
  readonly fromVersion: number;
  /** Schema version after the call. */
  readonly toVersion: number;
  /** Versions this call applied, in order (empty when the schema was up to date). */
  readonly applied: readonly number[];
}

interface VersionRow {
  readonly version: number | null;
}

/**
 * Creates the schema or brings it to {@link LATEST_SCHEMA_VERSION}, in one transaction.
 *
 * Safe when many processes start at once: each takes a transaction-scoped advisory lock first,
 * so one migrates while the others wait, then find the schema up to date. Refuses (with
 * `SchemaVersionError`) a schema that a newer package version migrated further.
 */
export async function migrateSchema(
  pool: PgPoolLike,
  tables: SchemaTables,
): Promise<MigrationOutcome> {
  return withTransaction(pool, async (client) => {
    await client.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [
      MIGRATION_LOCK_NAMESPACE,
      tables.schemaName,
    ]);
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${tables.schema}`);
    await client.query(`
      CREATE TABLE IF NOT EXISTS ${tables.migrations} (
        version    integer PRIMARY KEY,
        name       text NOT NULL,
        applied_at timestamptz NOT NULL DEFAULT now()
      )`);
    const { rows } = await client.query(`SELECT max(version) AS version FROM ${tables.migrations}`);
    const fromVersion = (rows[0] as VersionRow | undefined)?.version ?? 0;
    if (fromVersion > LATEST_SCHEMA_VERSION) {
      throw new SchemaVersionError(tables.schemaName, fromVersion, LATEST_SCHEMA_VERSION);
    }
    const applied: number[] = [];
    for (const migration of MIGRATIONS) {
      if (migration.version <= fromVersion) continue;
      await client.query(migration.sql.replaceAll('{{schema}}', tables.schema));
      await client.query(`INSERT INTO ${tables.migrations} (version, name) VALUES ($1, $2)`, [
        migration.version,
        migration.name,
      ]);
      applied.push(migration.version);
    }
    return { fromVersion, toVersion: Math.max(fromVersion, LATEST_SCHEMA_VERSION), applied };
  });
}
