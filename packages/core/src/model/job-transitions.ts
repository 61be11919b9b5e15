import { InvalidStateTransitionError } from '../errors/engine-errors';
import { JobStatus } from './job';

const ALLOWED: Readonly<Record<JobStatus, readonly JobStatus[]>> = {
  CREATED: [JobStatus.PREVIEWING, JobStatus.PROCESSING],
  PREVIEWING: [JobStatus.PREVIEWED, JobStatus.FAILED],
  PREVIEWED: [JobStatus.PROCESSING],
  PROCESSING: [JobStatus.PAUSED, JobStatus.COMPLETED, JobStatus.ABORTED, JobStatus.FAILED],
  PAUSED: [JobStatus.PROCESSING, JobStatus.ABORTED],
  COMPLETED: [],
  ABORTED: [],
  FAILED: [],
};

/** True when a job may move from `from` to `to` (the job state machine). */
export function canTransition(from: JobStatus, to: JobStatus): boolean {
  return ALLOWED[from].includes(to);
}

/** Throws `InvalidStateTransitionError` (`Invalid state transition: A → B`) unless allowed. */
export function assertTransition(from: JobStatus, to: JobStatus): void {
  if (!canTransition(from, to)) throw new InvalidStateTransitionError(from, to);
}
