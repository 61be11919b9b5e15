import type { SqliteDatabase, SqliteStatement } from './database-handle';
import * as batches from './sql/batch-queries';
import * as jobs from './sql/job-queries';
import * as leases from './sql/lease-queries';
import * as prepare from './sql/prepare-queries';
import * as records from './sql/record-queries';

const SQL = {
  begin: 'BEGIN IMMEDIATE',
  beginRead: 'BEGIN DEFERRED',
  commit: 'COMMIT',
  rollback: 'ROLLBACK',
  upsertJob: jobs.UPSERT_JOB,
  insertJobIfAbsent: jobs.INSERT_JOB_IF_ABSENT,
  selectJob: jobs.SELECT_JOB,
  selectJobKey: jobs.SELECT_JOB_KEY,
  finalizeJob: jobs.FINALIZE_JOB,
  updateJobStatus: jobs.UPDATE_JOB_STATUS,
  releaseProcessingBatches: jobs.RELEASE_PROCESSING_BATCHES,
  heartbeatPrepare: prepare.HEARTBEAT_PREPARE,
  selectRegisterTarget: prepare.SELECT_REGISTER_TARGET,
  addPreparedRecords: prepare.ADD_PREPARED_RECORDS,
  registerBatch: prepare.REGISTER_BATCH,
  registerRecord: prepare.REGISTER_RECORD,
  openEarly: prepare.OPEN_EARLY,
  finishPrepare: prepare.FINISH_PREPARE,
  selectPrepareStanding: prepare.SELECT_PREPARE_STANDING,
  takeOverPrepare: prepare.TAKE_OVER_PREPARE,
  stopPrepare: prepare.STOP_PREPARE,
  failPrepare: prepare.FAIL_PREPARE,
  selectPreparedBatches: prepare.SELECT_PREPARED_BATCHES,
  selectJobDetails: jobs.SELECT_JOB_DETAILS,
  selectFinalizedCounts: jobs.SELECT_FINALIZED_COUNTS,
  storeSummary: jobs.STORE_SUMMARY,
  claimJobCompletion: jobs.CLAIM_JOB_COMPLETION,
  acknowledgeJobCompletion: jobs.ACKNOWLEDGE_JOB_COMPLETION,
  selectCompletion: jobs.SELECT_COMPLETION,
  deleteJobRecords: jobs.DELETE_JOB_RECORDS,
  deleteJobUniqueValues: jobs.DELETE_JOB_UNIQUE_VALUES,
  insertUniqueValue: jobs.INSERT_UNIQUE_VALUE,
  selectUniqueHolder: jobs.SELECT_UNIQUE_HOLDER,
  deleteJobBatches: jobs.DELETE_JOB_BATCHES,
  deleteJob: jobs.DELETE_JOB,
  insertBatch: batches.INSERT_BATCH,
  selectBatches: batches.SELECT_BATCHES,
  updateBatchState: batches.UPDATE_BATCH_STATE,
  countBatchesByStatus: batches.COUNT_BATCHES_BY_STATUS,
  sumBatchCounters: batches.SUM_BATCH_COUNTERS,
  claimBatch: leases.CLAIM_BATCH,
  releaseBatch: leases.RELEASE_BATCH,
  completeBatch: leases.COMPLETE_BATCH,
  heartbeatBatch: leases.HEARTBEAT_BATCH,
  selectBatchesInFlight: leases.SELECT_BATCHES_IN_FLIGHT,
  quarantineStaleBatches: leases.QUARANTINE_STALE_BATCHES,
  failUnprocessedRecords: leases.FAIL_UNPROCESSED_RECORDS,
  resetStaleBatches: leases.RESET_STALE_BATCHES,
  upsertRecord: records.UPSERT_RECORD,
  updateRecordResult: records.UPDATE_RECORD_RESULT,
  selectBatchRecords: records.SELECT_BATCH_RECORDS,
  batchExists: records.BATCH_EXISTS,
  selectRecordsOfUnknownBatch: records.SELECT_RECORDS_OF_UNKNOWN_BATCH,
  selectFailedRecords: records.SELECT_FAILED_RECORDS,
  selectPendingRecords: records.SELECT_PENDING_RECORDS,
  selectProcessedRecords: records.SELECT_PROCESSED_RECORDS,
} as const;

/** Every statement of the store, prepared once per connection. */
export type Statements = { readonly [K in keyof typeof SQL]: SqliteStatement };

/** Prepares every statement (the schema must exist). */
export function prepareStatements(db: SqliteDatabase): Statements {
  const out: Partial<Record<keyof typeof SQL, SqliteStatement>> = {};
  for (const name of Object.keys(SQL) as (keyof typeof SQL)[]) {
    out[name] = db.prepare(SQL[name]);
  }
  return out as Statements;
}
