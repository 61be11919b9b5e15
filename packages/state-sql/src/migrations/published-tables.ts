import type { SqlFamily } from '../db';
import type { TableNames } from '../tables';

/**
 * Version 1: the three tables of the published 0.0.5 package exactly as its `initialize()`
 * (Sequelize `sync()`) created them, with the same index names, and `IF NOT EXISTS` throughout.
 * On a database the published package initialised this changes nothing, so a new database and
 * an upgraded one go through the same later migrations.
 */
export function publishedTables(family: SqlFamily, n: TableNames): string[] {
  switch (family) {
    case 'postgres':
      return [
        `CREATE TABLE IF NOT EXISTS "${n.jobs}" (
          "id" VARCHAR(36) NOT NULL,
          "status" VARCHAR(20) NOT NULL,
          "config" JSON NOT NULL,
          "batches" JSON NOT NULL DEFAULT '[]',
          "totalRecords" INTEGER NOT NULL DEFAULT 0,
          "startedAt" BIGINT,
          "completedAt" BIGINT,
          "distributed" BOOLEAN NOT NULL DEFAULT false,
          PRIMARY KEY ("id"))`,
        `CREATE TABLE IF NOT EXISTS "${n.records}" (
          "id" SERIAL,
          "jobId" VARCHAR(36) NOT NULL,
          "batchId" VARCHAR(36) NOT NULL,
          "recordIndex" INTEGER NOT NULL,
          "status" VARCHAR(10) NOT NULL,
          "raw" JSON NOT NULL,
          "parsed" JSON NOT NULL,
          "errors" JSON NOT NULL DEFAULT '[]',
          "processingError" TEXT,
          PRIMARY KEY ("id"))`,
        `CREATE INDEX IF NOT EXISTS "${n.records}_job_id_status" ON "${n.records}" ("jobId", "status")`,
        `CREATE INDEX IF NOT EXISTS "${n.records}_job_id_batch_id" ON "${n.records}" ("jobId", "batchId")`,
        `CREATE UNIQUE INDEX IF NOT EXISTS "${n.records}_job_id_record_index" ON "${n.records}" ("jobId", "recordIndex")`,
        `CREATE TABLE IF NOT EXISTS "${n.batches}" (
          "id" VARCHAR(36) NOT NULL,
          "jobId" VARCHAR(36) NOT NULL,
          "batchIndex" INTEGER NOT NULL,
          "status" VARCHAR(20) NOT NULL DEFAULT 'PENDING',
          "workerId" VARCHAR(128),
          "claimedAt" BIGINT,
          "recordStartIndex" INTEGER NOT NULL DEFAULT 0,
          "recordEndIndex" INTEGER NOT NULL DEFAULT 0,
          "processedCount" INTEGER NOT NULL DEFAULT 0,
          "failedCount" INTEGER NOT NULL DEFAULT 0,
          "version" INTEGER NOT NULL DEFAULT 0,
          PRIMARY KEY ("id"))`,
        `CREATE INDEX IF NOT EXISTS "${n.batches}_job_id_status" ON "${n.batches}" ("jobId", "status")`,
        `CREATE UNIQUE INDEX IF NOT EXISTS "${n.batches}_job_id_batch_index" ON "${n.batches}" ("jobId", "batchIndex")`,
      ];
    case 'mysql':
      // MySQL allows no literal default on JSON columns; the store always writes them.
      return [
        `CREATE TABLE IF NOT EXISTS "${n.jobs}" (
          "id" VARCHAR(36) NOT NULL,
          "status" VARCHAR(20) NOT NULL,
          "config" JSON NOT NULL,
          "batches" JSON NOT NULL,
          "totalRecords" INTEGER NOT NULL DEFAULT 0,
          "startedAt" BIGINT,
          "completedAt" BIGINT,
          "distributed" TINYINT(1) NOT NULL DEFAULT 0,
          PRIMARY KEY ("id")) ENGINE=InnoDB`,
        `CREATE TABLE IF NOT EXISTS "${n.records}" (
          "id" INTEGER NOT NULL AUTO_INCREMENT,
          "jobId" VARCHAR(36) NOT NULL,
          "batchId" VARCHAR(36) NOT NULL,
          "recordIndex" INTEGER NOT NULL,
          "status" VARCHAR(10) NOT NULL,
          "raw" JSON NOT NULL,
          "parsed" JSON NOT NULL,
          "errors" JSON NOT NULL,
          "processingError" TEXT,
          PRIMARY KEY ("id"),
          INDEX "${n.records}_job_id_status" ("jobId", "status"),
          INDEX "${n.records}_job_id_batch_id" ("jobId", "batchId"),
          UNIQUE INDEX "${n.records}_job_id_record_index" ("jobId", "recordIndex")) ENGINE=InnoDB`,
        `CREATE TABLE IF NOT EXISTS "${n.batches}" (
          "id" VARCHAR(36) NOT NULL,
          "jobId" VARCHAR(36) NOT NULL,
          "batchIndex" INTEGER NOT NULL,
          "status" VARCHAR(20) NOT NULL DEFAULT 'PENDING',
          "workerId" VARCHAR(128),
          "claimedAt" BIGINT,
          "recordStartIndex" INTEGER NOT NULL DEFAULT 0,
          "recordEndIndex" INTEGER NOT NULL DEFAULT 0,
          "processedCount" INTEGER NOT NULL DEFAULT 0,
          "failedCount" INTEGER NOT NULL DEFAULT 0,
          "version" INTEGER NOT NULL DEFAULT 0,
          PRIMARY KEY ("id"),
          INDEX "${n.batches}_job_id_status" ("jobId", "status"),
          UNIQUE INDEX "${n.batches}_job_id_batch_index" ("jobId", "batchIndex")) ENGINE=InnoDB`,
      ];
    case 'sqlite':
      return [
        `CREATE TABLE IF NOT EXISTS "${n.jobs}" (
          "id" VARCHAR(36) NOT NULL PRIMARY KEY,
          "status" VARCHAR(20) NOT NULL,
          "config" JSON NOT NULL,
          "batches" JSON NOT NULL DEFAULT '[]',
          "totalRecords" INTEGER NOT NULL DEFAULT 0,
          "startedAt" BIGINT,
          "completedAt" BIGINT,
          "distributed" TINYINT(1) NOT NULL DEFAULT 0)`,
        `CREATE TABLE IF NOT EXISTS "${n.records}" (
          "id" INTEGER PRIMARY KEY AUTOINCREMENT,
          "jobId" VARCHAR(36) NOT NULL,
          "batchId" VARCHAR(36) NOT NULL,
          "recordIndex" INTEGER NOT NULL,
          "status" VARCHAR(10) NOT NULL,
          "raw" JSON NOT NULL,
          "parsed" JSON NOT NULL,
          "errors" JSON NOT NULL DEFAULT '[]',
          "processingError" TEXT)`,
        `CREATE INDEX IF NOT EXISTS "${n.records}_job_id_status" ON "${n.records}" ("jobId", "status")`,
        `CREATE INDEX IF NOT EXISTS "${n.records}_job_id_batch_id" ON "${n.records}" ("jobId", "batchId")`,
        `CREATE UNIQUE INDEX IF NOT EXISTS "${n.records}_job_id_record_index" ON "${n.records}" ("jobId", "recordIndex")`,
        `CREATE TABLE IF NOT EXISTS "${n.batches}" (
          "id" VARCHAR(36) NOT NULL PRIMARY KEY,
          "jobId" VARCHAR(36) NOT NULL,
          "batchIndex" INTEGER NOT NULL,
          "status" VARCHAR(20) NOT NULL DEFAULT 'PENDING',
          "workerId" VARCHAR(128),
          "claimedAt" BIGINT,
          "recordStartIndex" INTEGER NOT NULL DEFAULT 0,
          "recordEndIndex" INTEGER NOT NULL DEFAULT 0,
          "processedCount" INTEGER NOT NULL DEFAULT 0,
          "failedCount" INTEGER NOT NULL DEFAULT 0,
          "version" INTEGER NOT NULL DEFAULT 0)`,
        `CREATE INDEX IF NOT EXISTS "${n.batches}_job_id_status" ON "${n.batches}" ("jobId", "status")`,
        `CREATE UNIQUE INDEX IF NOT EXISTS "${n.batches}_job_id_batch_index" ON "${n.batches}" ("jobId", "batchIndex")`,
      ];
  }
}
