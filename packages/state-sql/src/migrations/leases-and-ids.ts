import { forFamily, type Db, type SqlFamily, type Transaction } from '../db';
import type { QuotedTables } from '../sql/tables';
import type { TableNames } from '../tables';

/**
 * Version 2, what this package adds to the published tables (only additions and widenings, so
 * code that reads the published columns keeps working):
 *
 * - ids widen from 36 to 255 characters (job and batch ids are the caller's strings, not
 *   always UUIDs), worker ids from 128; `records.id` becomes 64-bit, since upserts consume ids;
 * - `batches.attempt` (the fencing token: how many times the batch was claimed) and
 *   `batches.error` (why it FAILED); `records.retryCount` (0.0.5 dropped it);
 * - the claim index (`jobId`, `status`, `batchIndex`): a claim is one probe of it;
 * - the published (`jobId`, `status`) index on records goes: every batch completion changes the
 *   status of each of its records, and keeping that index current cost more than it saved
 *   (status queries read one job's records through the (`jobId`, `recordIndex`) key). It goes
 *   under either published name: `_job_id_status` (Sequelize 0.0.5) or `_jobId_status_idx`
 *   (what `prisma migrate` names it for the Prisma 0.0.3 models);
 * - tables made from the Prisma 0.0.3 models also lose their other Prisma-named indexes, which
 *   version 1 has just duplicated under the Sequelize names (every record write would otherwise
 *   maintain both); on MySQL, {@link dropPublishedIndexes} renames them instead;
 * - `unique_values`, the job-wide register behind `uniqueFields`, whose primary key makes a value
 *   go to exactly one record.
 */
export function leasesAndIds(family: SqlFamily, n: TableNames): string[] {
  switch (family) {
    case 'postgres':
      return [
        `ALTER TABLE "${n.jobs}" ALTER COLUMN "id" TYPE VARCHAR(255)`,
        `ALTER TABLE "${n.batches}"
           ALTER COLUMN "id" TYPE VARCHAR(255),
           ALTER COLUMN "jobId" TYPE VARCHAR(255),
           ALTER COLUMN "workerId" TYPE VARCHAR(255),
           ADD COLUMN "attempt" INTEGER NOT NULL DEFAULT 0,
           ADD COLUMN "error" TEXT`,
        // Finishing a batch rewrites each of its records once; free room on the page lets
        // PostgreSQL do that without touching the indexes (a HOT update).
        `ALTER TABLE "${n.records}"
           ALTER COLUMN "id" TYPE BIGINT,
           ALTER COLUMN "jobId" TYPE VARCHAR(255),
           ALTER COLUMN "batchId" TYPE VARCHAR(255),
           ADD COLUMN "retryCount" INTEGER,
           SET (fillfactor = 50)`,
        `CREATE INDEX "${n.batches}_claim" ON "${n.batches}" ("jobId", "status", "batchIndex")`,
        `DROP INDEX IF EXISTS "${n.records}_job_id_status"`,
        ...prismaIndexes(n).map((name) => `DROP INDEX IF EXISTS "${name}"`),
        `CREATE TABLE "${n.uniqueValues}" (
           "jobId" VARCHAR(255) NOT NULL,
           "field" VARCHAR(191) NOT NULL,
           "valueKey" VARCHAR(191) NOT NULL,
           "recordIndex" INTEGER NOT NULL,
           PRIMARY KEY ("jobId", "field", "valueKey"))`,
      ];
    case 'mysql':
      return [
        `ALTER TABLE "${n.jobs}" MODIFY "id" VARCHAR(255) NOT NULL`,
        `ALTER TABLE "${n.batches}"
           MODIFY "id" VARCHAR(255) NOT NULL,
           MODIFY "jobId" VARCHAR(255) NOT NULL,
           MODIFY "workerId" VARCHAR(255) NULL,
           ADD COLUMN "attempt" INTEGER NOT NULL DEFAULT 0,
           ADD COLUMN "error" TEXT NULL,
           ADD INDEX "${n.batches}_claim" ("jobId", "status", "batchIndex")`,
        `ALTER TABLE "${n.records}"
           MODIFY "id" BIGINT NOT NULL AUTO_INCREMENT,
           MODIFY "jobId" VARCHAR(255) NOT NULL,
           MODIFY "batchId" VARCHAR(255) NOT NULL,
           ADD COLUMN "retryCount" INTEGER NULL`,
        // Binary collation: unique values compare exactly, as in the other databases.
        `CREATE TABLE "${n.uniqueValues}" (
           "jobId" VARCHAR(255) NOT NULL,
           "field" VARCHAR(191) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
           "valueKey" VARCHAR(191) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
           "recordIndex" INTEGER NOT NULL,
           PRIMARY KEY ("jobId", "field", "valueKey")) ENGINE=InnoDB`,
      ];
    case 'sqlite':
      // SQLite does not enforce VARCHAR lengths and its integers are 64-bit already.
      return [
        `ALTER TABLE "${n.batches}" ADD COLUMN "attempt" INTEGER NOT NULL DEFAULT 0`,
        `ALTER TABLE "${n.batches}" ADD COLUMN "error" TEXT`,
        `ALTER TABLE "${n.records}" ADD COLUMN "retryCount" INTEGER`,
        `CREATE INDEX "${n.batches}_claim" ON "${n.batches}" ("jobId", "status", "batchIndex")`,
        `DROP INDEX IF EXISTS "${n.records}_job_id_status"`,
        ...prismaIndexes(n).map((name) => `DROP INDEX IF EXISTS "${name}"`),
        `CREATE TABLE "${n.uniqueValues}" (
           "jobId" TEXT NOT NULL,
           "field" TEXT NOT NULL,
           "valueKey" TEXT NOT NULL,
           "recordIndex" INTEGER NOT NULL,
           PRIMARY KEY ("jobId", "field", "valueKey")) WITHOUT ROWID`,
      ];
  }
}

/**
 * What `prisma migrate` names the indexes of the published Prisma 0.0.3 models, each with its
 * Sequelize 0.0.5 twin (`undefined` for the records' (`jobId`, `status`) index, which goes).
 */
function prismaIndexTwins(
  n: Pick<TableNames, 'records' | 'batches'>,
): [prisma: string, sequelize: string | undefined][] {
  return [
    [`${n.records}_jobId_status_idx`, undefined],
    [`${n.records}_jobId_batchId_idx`, `${n.records}_job_id_batch_id`],
    [`${n.records}_jobId_recordIndex_key`, `${n.records}_job_id_record_index`],
    [`${n.batches}_jobId_status_idx`, `${n.batches}_job_id_status`],
    [`${n.batches}_jobId_batchIndex_key`, `${n.batches}_job_id_batch_index`],
  ];
}

/** The Prisma index names of {@link prismaIndexTwins}. */
function prismaIndexes(n: Pick<TableNames, 'records' | 'batches'>): string[] {
  return prismaIndexTwins(n).map(([prisma]) => prisma);
}

/**
 * Version 2, MySQL family, where version 1 created no index on existing tables (their indexes
 * are part of `CREATE TABLE IF NOT EXISTS`) and there is no `DROP INDEX IF EXISTS`: drops the
 * records' (`jobId`, `status`) index under either published name, and gives the other indexes
 * of tables made from the Prisma 0.0.3 models their Sequelize names (`RENAME INDEX`), so every
 * upgraded database has the same indexes. The other families do this in the statements.
 */
export async function dropPublishedIndexes(
  db: Db,
  t: QuotedTables,
  transaction: Transaction,
): Promise<void> {
  if (db.family !== 'mysql') return;
  const records = t.records.replaceAll('"', '');
  const batches = t.batches.replaceAll('"', '');
  const rows = await db.select<{ tableName: string; name: string }>(
    `SELECT DISTINCT TABLE_NAME AS tableName, INDEX_NAME AS name FROM information_schema.STATISTICS
     WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME IN ($1, $2)`,
    [records, batches],
    transaction,
  );
  const tableOf = new Map(rows.map((row) => [row.name, row.tableName]));
  const alter = (table: string, change: string) =>
    db.exec(forFamily(db.family, `ALTER TABLE "${table}" ${change}`), transaction);
  const sequelizeStatus = `${records}_job_id_status`;
  const statusTable = tableOf.get(sequelizeStatus);
  if (statusTable !== undefined) await alter(statusTable, `DROP INDEX "${sequelizeStatus}"`);
  for (const [prisma, twin] of prismaIndexTwins({ records, batches })) {
    const table = tableOf.get(prisma);
    if (table === undefined) continue;
    await alter(
      table,
      twin === undefined || tableOf.has(twin)
        ? `DROP INDEX "${prisma}"`
        : `RENAME INDEX "${prisma}" TO "${twin}"`,
    );
  }
}
