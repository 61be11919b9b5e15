export {
  QUARANTINE_REASON_TEMPLATE,
  checkReclaimArguments,
  countBatches,
  distributedStatusFromCounts,
  emptyBatchCounts,
  quarantineReason,
  reclaimArgumentsError,
  sqlStringLiteral,
} from './batch-rules';
export type { BatchStatusCounts } from './batch-rules';
export { FileStateStore } from './file-state-store';
export type { FileStateStoreOptions } from './file-state-store';
export { InMemoryDistributedStateStore } from './in-memory-distributed-state-store';
export {
  computeProgress,
  jobSummaryFromCounts,
  progressFromCounts,
  unknownJobDistributedStatus,
  unknownJobProgress,
} from './progress';
export type { ProgressCounts, SummaryCounts } from './progress';
export { InMemoryStateStore } from './in-memory-state-store';
export type { InMemoryStateStoreOptions } from './in-memory-state-store';
export {
  checkJobListFilter,
  matchesJobSearch,
  compareJobListEntries,
  jobListEntry,
  jobListEntryFromRow,
  prepareMarks,
  selectJobListEntries,
} from './job-list';
export {
  checkTakeoverArguments,
  isBeingPrepared,
  prepareTakeoverFor,
  takeoverArgumentsError,
} from './prepare-rules';
export type { PrepareStanding } from './prepare-rules';
export type { CheckedJobListFilter, JobListRow, JobListSource } from './job-list';
export { checkListPage, selectPage } from './list-pages';
export type { CheckedListPage } from './list-pages';
