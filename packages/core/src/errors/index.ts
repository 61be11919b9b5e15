export { BatchActionsError } from './batch-actions-error';
export { InvalidOptionError } from './invalid-option-error';
export { BatchNotFoundError, JobNotFoundError, LeaseLostError } from './job-errors';
export { SourceError } from './source-error';
