import { DataTypes, type Sequelize } from 'sequelize';
import type { TableNames } from '@batchactions/state-sql';

/** Model names the published package registered on the caller's Sequelize instance. */
export const MODEL_NAMES = {
  jobs: 'BatchActionsJob',
  records: 'BatchActionsRecord',
  batches: 'BatchActionsBatch',
} as const;

/**
 * Registers the three models 0.0.5 defined (same names, tables and columns, plus the columns
 * this version adds), so code that reached the tables through `sequelize.models.BatchActionsJob`
 * and friends keeps working. No I/O. The store itself does not use them: it runs its own SQL,
 * and `initialize()` (not `sync()`) creates and migrates the tables.
 */
export function defineModels(sequelize: Sequelize, names: TableNames): void {
  const common = { timestamps: false, freezeTableName: true } as const;
  sequelize.define(
    MODEL_NAMES.jobs,
    {
      id: { type: DataTypes.STRING(255), primaryKey: true, allowNull: false },
      status: { type: DataTypes.STRING(20), allowNull: false },
      config: { type: DataTypes.JSON, allowNull: false },
      batches: { type: DataTypes.JSON, allowNull: false, defaultValue: [] },
      totalRecords: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
      startedAt: { type: DataTypes.BIGINT, allowNull: true },
      completedAt: { type: DataTypes.BIGINT, allowNull: true },
      distributed: { type: DataTypes.BOOLEAN, allowNull: false, defaultValue: false },
    },
    { ...common, tableName: names.jobs },
  );
  sequelize.define(
    MODEL_NAMES.records,
    {
      id: { type: DataTypes.BIGINT, primaryKey: true, autoIncrement: true },
      jobId: { type: DataTypes.STRING(255), allowNull: false },
      batchId: { type: DataTypes.STRING(255), allowNull: false },
      recordIndex: { type: DataTypes.INTEGER, allowNull: false },
      status: { type: DataTypes.STRING(10), allowNull: false },
      raw: { type: DataTypes.JSON, allowNull: false },
      parsed: { type: DataTypes.JSON, allowNull: false },
      errors: { type: DataTypes.JSON, allowNull: false, defaultValue: [] },
      processingError: { type: DataTypes.TEXT, allowNull: true },
      retryCount: { type: DataTypes.INTEGER, allowNull: true },
    },
    { ...common, tableName: names.records },
  );
  sequelize.define(
    MODEL_NAMES.batches,
    {
      id: { type: DataTypes.STRING(255), primaryKey: true, allowNull: false },
      jobId: { type: DataTypes.STRING(255), allowNull: false },
      batchIndex: { type: DataTypes.INTEGER, allowNull: false },
      status: { type: DataTypes.STRING(20), allowNull: false, defaultValue: 'PENDING' },
      workerId: { type: DataTypes.STRING(255), allowNull: true },
      claimedAt: { type: DataTypes.BIGINT, allowNull: true },
      recordStartIndex: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
      recordEndIndex: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
      processedCount: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
      failedCount: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
      version: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
      attempt: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
      error: { type: DataTypes.TEXT, allowNull: true },
    },
    { ...common, tableName: names.batches },
  );
}
