export { BatchActionsError } from './batch-actions-error';
export {
  InvalidJobStatusError,
  InvalidStateTransitionError,
  RecordFailedError,
  SourceNotConfiguredError,
} from './engine-errors';
export { InvalidOptionError } from './invalid-option-error';
export {
  BatchNotFoundError,
  JobCancelledError,
  JobNotFoundError,
  JobNotPreparingError,
  LeaseLostError,
  RecordAlreadyStoredError,
  RecordTimeoutError,
  UnsupportedByStoreError,
} from './job-errors';
export { SourceChangedError, SourceError } from './source-error';
