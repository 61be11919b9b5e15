import { batchesInFlightSql } from './sql/batches-in-flight';
import { claimBatchSql } from './sql/claim-batch';
import { completeBatchInPlaceSql, completeBatchSql } from './sql/complete-batch';
import { finalizeJobSql } from './sql/finalize-job';
import {
  releaseAbortedBatchesSql,
  selectJobStatusSql,
  updateJobStatusSql,
} from './sql/job-control';
import { heartbeatBatchSql } from './sql/heartbeat-batch';
import {
  deleteJobSql,
  insertBatchesSql,
  insertJobIfAbsentSql,
  selectBatchesSql,
  selectJobSql,
  upsertJobSql,
} from './sql/job-queries';
import { distributedStatusSql, progressSql } from './sql/job-status';
import { reclaimStaleBatchesSql } from './sql/reclaim-stale-batches';
import {
  selectBatchRecordsSql,
  selectRecordsByStatusSql,
  upsertRecordsSql,
} from './sql/record-queries';
import { registerBatchSql } from './sql/register-batch';
import {
  acknowledgeJobCompletionSql,
  claimJobCompletionSql,
  failPrepareSql,
  finishPrepareSql,
  heartbeatPrepareSql,
  listPreparedBatchesSql,
  openEarlySql,
  prepareStandingSql,
  selectJobDetailsSql,
  stopPrepareSql,
  takeOverPrepareSql,
} from './sql/prepare-liveness';
import { releaseBatchSql } from './sql/release-batch';
import type { SchemaTables } from './sql/tables';
import { updateBatchStateSql } from './sql/update-batch-state';
import { claimUniqueValuesSql, selectUniqueHoldersSql } from './sql/unique-values';

/** Every query of the store with the schema spliced in, built once per store. */
export function buildStatements(t: SchemaTables) {
  return {
    upsertJob: upsertJobSql(t),
    insertJobIfAbsent: insertJobIfAbsentSql(t),
    selectJob: selectJobSql(t),
    selectBatches: selectBatchesSql(t),
    insertBatches: insertBatchesSql(t),
    deleteJob: deleteJobSql(t),
    registerBatch: registerBatchSql(t, { replaceRecords: false }),
    registerBatchReplacing: registerBatchSql(t, { replaceRecords: true }),
    upsertRecords: upsertRecordsSql(t),
    selectBatchRecords: selectBatchRecordsSql(t),
    selectRecordsByStatus: selectRecordsByStatusSql(t),
    updateBatchState: updateBatchStateSql(t),
    claimBatch: claimBatchSql(t),
    releaseBatch: releaseBatchSql(t),
    reclaimStaleBatches: reclaimStaleBatchesSql(t),
    completeBatch: completeBatchSql(t),
    completeBatchInPlace: completeBatchInPlaceSql(t),
    heartbeatBatch: heartbeatBatchSql(t),
    finalizeJob: finalizeJobSql(t),
    updateJobStatus: updateJobStatusSql(t),
    releaseAbortedBatches: releaseAbortedBatchesSql(t),
    claimUniqueValues: claimUniqueValuesSql(t),
    selectUniqueHolders: selectUniqueHoldersSql(t),
    selectJobStatus: selectJobStatusSql(t),
    distributedStatus: distributedStatusSql(t),
    batchesInFlight: batchesInFlightSql(t),
    progress: progressSql(t),
    jobExists: `SELECT 1 FROM ${t.jobs} WHERE id = $1`,
    heartbeatPrepare: heartbeatPrepareSql(t),
    finishPrepare: finishPrepareSql(t),
    openEarly: openEarlySql(t),
    takeOverPrepare: takeOverPrepareSql(t),
    prepareStanding: prepareStandingSql(t),
    stopPrepare: stopPrepareSql(t),
    failPrepare: failPrepareSql(t),
    listPreparedBatches: listPreparedBatchesSql(t),
    batchExists: `SELECT 1 FROM ${t.batches} WHERE job_id = $1 AND id = $2`,
    selectJobDetails: selectJobDetailsSql(t),
    claimJobCompletion: claimJobCompletionSql(t),
    acknowledgeJobCompletion: acknowledgeJobCompletionSql(t),
  } as const;
}

export type Statements = ReturnType<typeof buildStatements>;
