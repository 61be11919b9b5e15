import { DataTypes, type Sequelize } from 'sequelize';

/**
 * The three models of the published 0.0.5 package as its reference lists them (names, tables,
 * Sequelize types, defaults, indexes; no timestamps, no foreign keys), and its `initialize()`:
 * `sync()` of the job, record and batch models, in that order. Used to build a database exactly
 * as an existing user of 0.0.5 has it.
 */
export async function createPublishedTables(sequelize: Sequelize): Promise<void> {
  const options = { timestamps: false } as const;
  const job = sequelize.define(
    'PublishedJob',
    {
      id: { type: DataTypes.STRING(36), primaryKey: true },
      status: { type: DataTypes.STRING(20), allowNull: false },
      config: { type: DataTypes.JSON, allowNull: false },
      batches: { type: DataTypes.JSON, allowNull: false, defaultValue: [] },
      totalRecords: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
      startedAt: { type: DataTypes.BIGINT, allowNull: true },
      completedAt: { type: DataTypes.BIGINT, allowNull: true },
      distributed: { type: DataTypes.BOOLEAN, allowNull: false, defaultValue: false },
    },
    { ...options, tableName: 'batchactions_jobs' },
  );
  const record = sequelize.define(
    'PublishedRecord',
    {
      id: { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true },
      jobId: { type: DataTypes.STRING(36), allowNull: false },
      batchId: { type: DataTypes.STRING(36), allowNull: false },
      recordIndex: { type: DataTypes.INTEGER, allowNull: false },
      status: { type: DataTypes.STRING(10), allowNull: false },
      raw: { type: DataTypes.JSON, allowNull: false },
      parsed: { type: DataTypes.JSON, allowNull: false },
      errors: { type: DataTypes.JSON, allowNull: false, defaultValue: [] },
      processingError: { type: DataTypes.TEXT, allowNull: true },
    },
    {
      ...options,
      tableName: 'batchactions_records',
      indexes: [
        { fields: ['jobId', 'status'] },
        { fields: ['jobId', 'batchId'] },
        { unique: true, fields: ['jobId', 'recordIndex'] },
      ],
    },
  );
  const batch = sequelize.define(
    'PublishedBatch',
    {
      id: { type: DataTypes.STRING(36), primaryKey: true },
      jobId: { type: DataTypes.STRING(36), allowNull: false },
      batchIndex: { type: DataTypes.INTEGER, allowNull: false },
      status: { type: DataTypes.STRING(20), allowNull: false, defaultValue: 'PENDING' },
      workerId: { type: DataTypes.STRING(128), allowNull: true },
      claimedAt: { type: DataTypes.BIGINT, allowNull: true },
      recordStartIndex: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
      recordEndIndex: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
      processedCount: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
      failedCount: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
      version: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
    },
    {
      ...options,
      tableName: 'batchactions_batches',
      indexes: [{ fields: ['jobId', 'status'] }, { unique: true, fields: ['jobId', 'batchIndex'] }],
    },
  );
  for (const model of [job, record, batch]) await syncRetryingCatalogRace(() => model.sync());
}

/**
 * Runs Sequelize's `sync()` again when PostgreSQL answered "cache lookup failed" or "could not
 * open relation with OID": its index listing looks tables up by name in every schema of the
 * database, and other test files create and drop tables of the same names in their own schemas
 * at the same time (a table dropped between the listing's catalog read and its index lookup
 * gives one or the other). Any other error fails the test at once.
 */
const CATALOG_RACES = ['cache lookup failed', 'could not open relation with OID'];

async function syncRetryingCatalogRace(sync: () => Promise<unknown>): Promise<void> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      await sync();
      return;
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      const catalogRace = CATALOG_RACES.some((race) => message.includes(race));
      if (attempt >= 5 || !catalogRace) throw error;
    }
  }
}
