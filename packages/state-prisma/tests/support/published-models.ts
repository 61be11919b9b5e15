import type { TestDatabaseKind, TestPrismaClient } from './databases';

/**
 * The tables `prisma migrate` makes from the published 0.0.3 reference models
 * (`prisma/batchactions.prisma`, state-prisma.md §2.1): Prisma's column types (PostgreSQL
 * `JSONB`, `SERIAL` ids) and its default constraint and index names
 * (`batchactions_records_jobId_status_idx`, `..._jobId_recordIndex_key`), unlike the Sequelize
 * tables of the same names. SQLite: the models with their native types removed (the only way
 * 0.0.3's models validate there), `Json` as Prisma maps it (`JSONB`, text inside).
 */
function publishedDdl(kind: TestDatabaseKind): string[] {
  if (kind === 'mariadb') {
    return [
      `CREATE TABLE \`batchactions_jobs\` (
        \`id\` VARCHAR(36) NOT NULL, \`status\` VARCHAR(20) NOT NULL, \`config\` JSON NOT NULL,
        \`batches\` JSON NOT NULL, \`totalRecords\` INTEGER NOT NULL DEFAULT 0,
        \`startedAt\` BIGINT NULL, \`completedAt\` BIGINT NULL,
        \`distributed\` BOOLEAN NOT NULL DEFAULT false,
        PRIMARY KEY (\`id\`)) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`,
      `CREATE TABLE \`batchactions_records\` (
        \`id\` INTEGER NOT NULL AUTO_INCREMENT, \`jobId\` VARCHAR(36) NOT NULL,
        \`batchId\` VARCHAR(36) NOT NULL, \`recordIndex\` INTEGER NOT NULL,
        \`status\` VARCHAR(10) NOT NULL, \`raw\` JSON NOT NULL, \`parsed\` JSON NOT NULL,
        \`errors\` JSON NOT NULL, \`processingError\` TEXT NULL,
        INDEX \`batchactions_records_jobId_status_idx\`(\`jobId\`, \`status\`),
        INDEX \`batchactions_records_jobId_batchId_idx\`(\`jobId\`, \`batchId\`),
        UNIQUE INDEX \`batchactions_records_jobId_recordIndex_key\`(\`jobId\`, \`recordIndex\`),
        PRIMARY KEY (\`id\`)) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`,
      `CREATE TABLE \`batchactions_batches\` (
        \`id\` VARCHAR(36) NOT NULL, \`jobId\` VARCHAR(36) NOT NULL, \`batchIndex\` INTEGER NOT NULL,
        \`status\` VARCHAR(20) NOT NULL DEFAULT 'PENDING', \`workerId\` VARCHAR(128) NULL,
        \`claimedAt\` BIGINT NULL, \`recordStartIndex\` INTEGER NOT NULL DEFAULT 0,
        \`recordEndIndex\` INTEGER NOT NULL DEFAULT 0, \`processedCount\` INTEGER NOT NULL DEFAULT 0,
        \`failedCount\` INTEGER NOT NULL DEFAULT 0, \`version\` INTEGER NOT NULL DEFAULT 0,
        INDEX \`batchactions_batches_jobId_status_idx\`(\`jobId\`, \`status\`),
        UNIQUE INDEX \`batchactions_batches_jobId_batchIndex_key\`(\`jobId\`, \`batchIndex\`),
        PRIMARY KEY (\`id\`)) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`,
    ];
  }
  const pg = kind === 'postgres';
  const text = (n: number) => (pg ? `VARCHAR(${String(n)})` : 'TEXT');
  const json = 'JSONB';
  const key = (table: string) => (pg ? `, CONSTRAINT "${table}_pkey" PRIMARY KEY ("id")` : '');
  const pk = pg ? '' : ' PRIMARY KEY';
  return [
    `CREATE TABLE "batchactions_jobs" (
      "id" ${text(36)} NOT NULL${pk}, "status" ${text(20)} NOT NULL, "config" ${json} NOT NULL,
      "batches" ${json} NOT NULL DEFAULT '[]', "totalRecords" INTEGER NOT NULL DEFAULT 0,
      "startedAt" BIGINT, "completedAt" BIGINT, "distributed" BOOLEAN NOT NULL DEFAULT false
      ${key('batchactions_jobs')})`,
    `CREATE TABLE "batchactions_records" (
      "id" ${pg ? 'SERIAL NOT NULL' : 'INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT'},
      "jobId" ${text(36)} NOT NULL, "batchId" ${text(36)} NOT NULL,
      "recordIndex" INTEGER NOT NULL, "status" ${text(10)} NOT NULL, "raw" ${json} NOT NULL,
      "parsed" ${json} NOT NULL, "errors" ${json} NOT NULL DEFAULT '[]', "processingError" TEXT
      ${key('batchactions_records')})`,
    `CREATE TABLE "batchactions_batches" (
      "id" ${text(36)} NOT NULL${pk}, "jobId" ${text(36)} NOT NULL, "batchIndex" INTEGER NOT NULL,
      "status" ${text(20)} NOT NULL DEFAULT 'PENDING', "workerId" ${text(128)},
      "claimedAt" BIGINT, "recordStartIndex" INTEGER NOT NULL DEFAULT 0,
      "recordEndIndex" INTEGER NOT NULL DEFAULT 0, "processedCount" INTEGER NOT NULL DEFAULT 0,
      "failedCount" INTEGER NOT NULL DEFAULT 0, "version" INTEGER NOT NULL DEFAULT 0
      ${key('batchactions_batches')})`,
    `CREATE INDEX "batchactions_records_jobId_status_idx" ON "batchactions_records"("jobId", "status")`,
    `CREATE INDEX "batchactions_records_jobId_batchId_idx" ON "batchactions_records"("jobId", "batchId")`,
    `CREATE UNIQUE INDEX "batchactions_records_jobId_recordIndex_key" ON "batchactions_records"("jobId", "recordIndex")`,
    `CREATE INDEX "batchactions_batches_jobId_status_idx" ON "batchactions_batches"("jobId", "status")`,
    `CREATE UNIQUE INDEX "batchactions_batches_jobId_batchIndex_key" ON "batchactions_batches"("jobId", "batchIndex")`,
  ];
}

/** Creates the tables of the published 0.0.3 models, as `prisma migrate` would. */
export async function createPublishedPrismaTables(
  prisma: TestPrismaClient,
  kind: TestDatabaseKind,
): Promise<void> {
  for (const statement of publishedDdl(kind)) await prisma.$executeRawUnsafe(statement);
}

/**
 * A JSON value as 0.0.3 stored it, as JSON text: `JSON.stringify(value)` handed to a `Json`
 * field, which Prisma stores as a JSON string scalar (double-encoded, defect 5).
 */
export function publishedJson(value: unknown): string {
  return JSON.stringify(JSON.stringify(value));
}
