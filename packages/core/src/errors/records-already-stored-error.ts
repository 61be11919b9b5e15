import { BatchActionsError } from './batch-actions-error';

/**
 * A batch was registered whose records the job already holds under another batch (a prepare
 * storing the same part of its source twice): nothing was written.
 */
export class RecordsAlreadyStoredError extends BatchActionsError {
  readonly jobId: string;
  /** The refused batch's id. */
  readonly batchId: string;
  /** The refused batch's first and last record index (inclusive). */
  readonly recordStartIndex: number;
  readonly recordEndIndex: number;
  constructor(jobId: string, batchId: string, recordStartIndex: number, recordEndIndex: number) {
    super(
      'RECORDS_ALREADY_STORED',
      `Job "${jobId}" already holds records ${recordStartIndex}..${recordEndIndex} under another ` +
        `batch: batch "${batchId}" was not stored`,
    );
    this.jobId = jobId;
    this.batchId = batchId;
    this.recordStartIndex = recordStartIndex;
    this.recordEndIndex = recordEndIndex;
  }
}
