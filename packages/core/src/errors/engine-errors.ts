import { BatchActionsError } from './batch-actions-error';

/** A job was asked to move between two statuses the state machine does not connect. */
export class InvalidStateTransitionError extends BatchActionsError {
  readonly from: string;
  readonly to: string;
  constructor(from: string, to: string) {
    super('INVALID_STATE_TRANSITION', `Invalid state transition: ${from} → ${to}`);
    this.from = from;
    this.to = to;
  }
}

/**
 * A `BatchEngine` method was called in a status that does not allow it (the message is the
 * published one, e.g. `Cannot start job from status 'COMPLETED'`).
 */
export class InvalidJobStatusError extends BatchActionsError {
  readonly status: string;
  constructor(message: string, status: string) {
    super('INVALID_JOB_STATUS', message);
    this.status = status;
  }
}

/** `start()`, `processChunk()` or `count()` was called before `from()` / `fromRecords()`. */
export class SourceNotConfiguredError extends BatchActionsError {
  constructor() {
    super(
      'SOURCE_NOT_CONFIGURED',
      'Source and parser must be configured. Call .from(source, parser) or .fromRecords(records) first.',
    );
  }
}

/**
 * A record failed and `continueOnError` is false, so the run stops. The message is the one the
 * published engine reports in `job:failed` (`Validation failed for record 3`, or the
 * processor's / hook's own message).
 */
export class RecordFailedError extends BatchActionsError {
  readonly recordIndex: number;
  constructor(recordIndex: number, message: string, options?: { cause?: unknown }) {
    super('RECORD_FAILED', message, options);
    this.recordIndex = recordIndex;
  }
}
