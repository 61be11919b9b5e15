import { forFamily, type SqlFamily } from './db';
import {
  claimBatchPostgresSql,
  claimCappedBatchPostgresSql,
  claimBatchSqliteSql,
  fenceBatchSql,
  heartbeatBatchSql,
  insertBatchesSql,
  lockJobForClaimMysqlSql,
  pickBatchMysqlSql,
  registerBatchRowSql,
  quarantineBatchSql,
  releaseBatchSql,
  requeueBatchSql,
  selectBatchesInFlightSql,
  selectBatchesSql,
  selectStaleBatchesSql,
  takeBatchMysqlSql,
  updateBatchStateSql,
  withAsynchronousCommit,
} from './sql/batch-sql';
import {
  deleteJobSql,
  distributedStatusSql,
  finalizeJobSql,
  hasUnfinishedBatchSql,
  progressSql,
  recordStatusCountsSql,
  selectJobSql,
  selectJobStatusSql,
  updateJobStatusSql,
  releaseProcessingBatchesSql,
  upsertJobSql,
  insertJobSql,
} from './sql/job-sql';
import {
  completeBatchInPlacePostgresSql,
  completeBatchPostgresSql,
  registerBatchPostgresSql,
  failUnprocessedRecordsSql,
  selectBatchRecordsSql,
  selectRecordsByStatusSql,
  upsertRecordsPostgresSql,
  upsertRecordsValuesSql,
  completeRecordsValuesSql,
  completeRecordSql,
} from './sql/record-sql';
import {
  completeBatchRowsMysqlSql,
  completeRecordsMysqlSql,
  upsertRecordsMysqlSql,
} from './sql/mysql-record-sql';
import type { QuotedTables } from './sql/tables';
import {
  acknowledgeCompletionSql,
  claimCompletionSql,
  failPrepareSql,
  finishPrepareSql,
  heartbeatPrepareSql,
  lockJobSql,
  lockPrepareStandingSql,
  openEarlySql,
  renewHeartbeatWithBatchSql,
  selectCompletionSql,
  selectJobDetailsSql,
  selectPreparedBatchesSql,
  selectRegisterRefusalSql,
  selectSummaryCountsSql,
  selectTakenRecordsSql,
  stopPrepareSql,
  storeSummarySql,
  takeOverPrepareSql,
} from './sql/prepare-sql';
import {
  claimFreeUniqueValuesPostgresSql,
  claimUniqueValuesPostgresSql,
  insertUniqueValuesSql,
  selectUniqueHoldersSql,
} from './sql/unique-sql';
import {
  completeBatchPayloadPostgresSql,
  deleteBatchRowsInRangeSql,
  deleteOutcomeSql,
  deleteOutcomesSql,
  deletePayloadsSql,
  lockPayloadSql,
  overlapProbeSql,
  payloadCountsSql,
  registerBatchPayloadPostgresSql,
  selectOverlappingPayloadsSql,
  selectPayloadSql,
  selectPayloadsSql,
  setOutcomeSql,
  upsertPayloadSql,
} from './sql/payload-sql';

/**
 * Every statement of the store for one dialect family, built on first use and kept: fixed
 * statements once per store, statements whose shape depends on a row count once per count.
 */
export class Statements {
  private readonly cache = new Map<string, string>();

  /**
   * @param nullableJson the records' `parsed` and `errors` columns take SQL NULL for an absent
   * value (the PostgreSQL store's own tables), rather than JSON null and `[]` (the published
   * tables, where they are NOT NULL).
   * @param asynchronousCommit PostgreSQL: a batch's registration and its completion commit
   * without waiting for their WAL flush (see `SqlStateStoreParts.asynchronousCommit`).
   */
  constructor(
    readonly family: SqlFamily,
    readonly t: QuotedTables,
    private readonly nullableJson = false,
    private readonly asynchronousCommit = false,
  ) {}

  /** `sql` (a statement ending with its SELECT list) committing asynchronously when so configured. */
  private batchWrite(sql: string): string {
    return this.asynchronousCommit ? withAsynchronousCommit(sql) : sql;
  }

  private get(key: string, build: () => string): string {
    let sql = this.cache.get(key);
    if (sql === undefined) {
      sql = forFamily(this.family, build());
      this.cache.set(key, sql);
    }
    return sql;
  }

  upsertJob = () => this.get('upsertJob', () => upsertJobSql(this.t, this.family));
  insertJob = () => this.get('insertJob', () => insertJobSql(this.t, this.family));
  selectJob = () => this.get('selectJob', () => selectJobSql(this.t));
  selectJobStatus = () => this.get('selectJobStatus', () => selectJobStatusSql(this.t));
  updateJobStatus = (from: number) =>
    this.get(`updateJobStatus${from}`, () => updateJobStatusSql(this.t, this.family, from));
  finalizeJob = () => this.get('finalizeJob', () => finalizeJobSql(this.t, this.family));
  heartbeatPrepare = () =>
    this.get('heartbeatPrepare', () => heartbeatPrepareSql(this.t, this.family));
  finishPrepare = () => this.get('finishPrepare', () => finishPrepareSql(this.t, this.family));
  openEarly = () => this.get('openEarly', () => openEarlySql(this.t, this.family));
  lockPrepareStanding = () =>
    this.get('lockPrepareStanding', () => lockPrepareStandingSql(this.t, this.family));
  takeOverPrepare = () =>
    this.get('takeOverPrepare', () => takeOverPrepareSql(this.t, this.family));
  stopPrepare = () => this.get('stopPrepare', () => stopPrepareSql(this.t, this.family));
  failPrepare = () => this.get('failPrepare', () => failPrepareSql(this.t, this.family));
  renewHeartbeatWithBatch = () =>
    this.get('renewHeartbeatWithBatch', () => renewHeartbeatWithBatchSql(this.t, this.family));
  selectPreparedBatches = () =>
    this.get('selectPreparedBatches', () => selectPreparedBatchesSql(this.t));
  selectRegisterRefusal = () =>
    this.get('selectRegisterRefusal', () => selectRegisterRefusalSql(this.t));
  selectTakenRecords = () => this.get('selectTakenRecords', () => selectTakenRecordsSql(this.t));
  selectJobDetails = () =>
    this.get('selectJobDetails', () => selectJobDetailsSql(this.t, this.family));
  selectSummaryCounts = () => this.get('selectSummaryCounts', () => selectSummaryCountsSql(this.t));
  storeSummary = () => this.get('storeSummary', () => storeSummarySql(this.t));
  claimCompletion = () =>
    this.get('claimCompletion', () => claimCompletionSql(this.t, this.family));
  acknowledgeCompletion = () =>
    this.get('acknowledgeCompletion', () => acknowledgeCompletionSql(this.t, this.family));
  selectCompletion = () => this.get('selectCompletion', () => selectCompletionSql(this.t));
  lockJob = (mode: 'share' | 'update') =>
    this.get(`lockJob${mode}`, () => lockJobSql(this.t, this.family, mode));
  hasUnfinishedBatch = () =>
    this.get('hasUnfinishedBatch', () => hasUnfinishedBatchSql(this.t, this.family));
  distributedStatus = () => this.get('distributedStatus', () => distributedStatusSql(this.t));
  progress = () => this.get('progress', () => progressSql(this.t, this.family));
  recordStatusCounts = () => this.get('recordStatusCounts', () => recordStatusCountsSql(this.t));
  deleteJob = () =>
    [deleteOutcomesSql(this.t), deletePayloadsSql(this.t), ...deleteJobSql(this.t)].map((sql) =>
      forFamily(this.family, sql),
    );

  insertBatches = (rows: number) =>
    this.get(`insertBatches${rows}`, () => insertBatchesSql(this.t, this.family, rows));
  selectBatches = () => this.get('selectBatches', () => selectBatchesSql(this.t));
  updateBatchState = () =>
    this.get('updateBatchState', () => updateBatchStateSql(this.t, this.family));
  releaseBatch = () => this.get('releaseBatch', () => releaseBatchSql(this.t));
  releaseProcessingBatches = () =>
    this.get('releaseProcessingBatches', () => releaseProcessingBatchesSql(this.t));
  heartbeatBatch = () => this.get('heartbeatBatch', () => heartbeatBatchSql(this.t, this.family));
  selectBatchesInFlight = () =>
    this.get('selectBatchesInFlight', () => selectBatchesInFlightSql(this.t, this.family));
  fenceBatch = () => this.get('fenceBatch', () => fenceBatchSql(this.t, this.family));
  claimBatchPostgres = () => this.get('claimBatchPostgres', () => claimBatchPostgresSql(this.t));
  claimCappedBatchPostgres = () =>
    this.get('claimCappedBatchPostgres', () => claimCappedBatchPostgresSql(this.t));
  claimBatchSqlite = () => this.get('claimBatchSqlite', () => claimBatchSqliteSql(this.t));
  lockJobForClaim = () => this.get('lockJobForClaim', () => lockJobForClaimMysqlSql(this.t));
  pickBatch = () => this.get('pickBatch', () => pickBatchMysqlSql(this.t));
  takeBatch = () => this.get('takeBatch', () => takeBatchMysqlSql(this.t));
  selectStaleBatches = (lock: boolean) =>
    this.get(`selectStaleBatches${String(lock)}`, () =>
      selectStaleBatchesSql(this.t, this.family, lock),
    );
  requeueBatch = () => this.get('requeueBatch', () => requeueBatchSql(this.t));
  quarantineBatch = () =>
    this.get('quarantineBatch', () => quarantineBatchSql(this.t, this.family));

  upsertRecordsPostgres = () =>
    this.get('upsertRecordsPostgres', () => upsertRecordsPostgresSql(this.t, this.nullableJson));
  registerBatchPostgres = (replacing: boolean) =>
    this.get(`registerBatchPostgres${String(replacing)}`, () =>
      this.batchWrite(registerBatchPostgresSql(this.t, replacing, this.nullableJson)),
    );
  registerBatchRow = () =>
    this.get('registerBatchRow', () => registerBatchRowSql(this.t, this.family));
  completeBatchPostgres = () =>
    this.get('completeBatchPostgres', () =>
      this.batchWrite(completeBatchPostgresSql(this.t, this.nullableJson)),
    );
  completeBatchInPlacePostgres = () =>
    this.get('completeBatchInPlacePostgres', () =>
      this.batchWrite(completeBatchInPlacePostgresSql(this.t, this.nullableJson)),
    );
  upsertRecordsValues = (rows: number) =>
    this.get(`upsertRecordsValues${rows}`, () =>
      upsertRecordsValuesSql(this.t, this.family, rows, this.nullableJson),
    );
  upsertRecordsMysql = () => this.get('upsertRecordsMysql', () => upsertRecordsMysqlSql(this.t));
  completeRecord = () => this.get('completeRecord', () => completeRecordSql(this.t));
  completeRecordsValues = (rows: number) =>
    this.get(`completeRecordsValues${rows}`, () => completeRecordsValuesSql(this.t, rows));
  completeRecordsMysql = () =>
    this.get('completeRecordsMysql', () => completeRecordsMysqlSql(this.t));
  completeBatchRowsMysql = () =>
    this.get('completeBatchRowsMysql', () => completeBatchRowsMysqlSql(this.t));
  selectBatchRecords = () => this.get('selectBatchRecords', () => selectBatchRecordsSql(this.t));
  selectRecordsByStatus = (statuses: number) =>
    this.get(`selectRecordsByStatus${statuses}`, () => selectRecordsByStatusSql(this.t, statuses));
  failUnprocessedRecords = () =>
    this.get('failUnprocessedRecords', () => failUnprocessedRecordsSql(this.t));
  insertUniqueValues = (rows: number) =>
    this.get(`insertUniqueValues${rows}`, () => insertUniqueValuesSql(this.t, this.family, rows));
  claimUniqueValuesPostgres = () =>
    this.get('claimUniqueValuesPostgres', () => claimUniqueValuesPostgresSql(this.t));
  claimFreeUniqueValuesPostgres = () =>
    this.get('claimFreeUniqueValuesPostgres', () => claimFreeUniqueValuesPostgresSql(this.t));
  selectUniqueHolders = (keys: number) =>
    this.get(`selectUniqueHolders${keys}`, () => selectUniqueHoldersSql(this.t, keys));

  upsertPayload = () => this.get('upsertPayload', () => upsertPayloadSql(this.t, this.family));
  selectPayload = () => this.get('selectPayload', () => selectPayloadSql(this.t));
  lockPayload = () => this.get('lockPayload', () => lockPayloadSql(this.t));
  selectPayloads = () => this.get('selectPayloads', () => selectPayloadsSql(this.t));
  payloadCounts = () => this.get('payloadCounts', () => payloadCountsSql(this.t));
  setOutcome = () => this.get('setOutcome', () => setOutcomeSql(this.t, this.family));
  deleteOutcome = () => this.get('deleteOutcome', () => deleteOutcomeSql(this.t));
  overlapProbe = () => this.get('overlapProbe', () => overlapProbeSql(this.t));
  selectOverlappingPayloads = () =>
    this.get('selectOverlappingPayloads', () => selectOverlappingPayloadsSql(this.t));
  deleteBatchRowsInRange = () =>
    this.get('deleteBatchRowsInRange', () => deleteBatchRowsInRangeSql(this.t));
  completeBatchPayloadPostgres = () =>
    this.get('completeBatchPayloadPostgres', () =>
      this.batchWrite(completeBatchPayloadPostgresSql(this.t, this.nullableJson)),
    );
  registerBatchPayloadPostgres = () =>
    this.get('registerBatchPayloadPostgres', () =>
      this.batchWrite(registerBatchPayloadPostgresSql(this.t, this.nullableJson)),
    );
}
