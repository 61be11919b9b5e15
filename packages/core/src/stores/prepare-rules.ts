import { InvalidOptionError } from '../errors/invalid-option-error';
import { JobStatus, isTerminalJobStatus } from '../model/job';
import type { PrepareTakeover } from '../ports/distributed-state-store';

/** What the prepare rules look at in a job (each store reads it from its own row). */
export interface PrepareStanding {
  readonly status: JobStatus;
  /** `finishPrepare` ran for the job. */
  readonly finished: boolean;
  /** `openEarly` ran and the prepare did not finish since. */
  readonly openEarly: boolean;
  /** The run owning the prepare (`heartbeatPrepare` or `takeOverPrepare` with a run). */
  readonly owner: string | undefined;
  /** Milliseconds since the prepare heartbeat, by the store's clock; undefined when unset. */
  readonly heartbeatAgeMs: number | undefined;
}

/**
 * True while a prepare may still store batches into the job: not finished, and CREATED or
 * PAUSED, or PROCESSING while opened early.
 */
export function isBeingPrepared(
  job: Pick<PrepareStanding, 'status' | 'finished' | 'openEarly'>,
): boolean {
  if (job.finished) return false;
  if (job.status === JobStatus.CREATED || job.status === JobStatus.PAUSED) return true;
  return job.status === JobStatus.PROCESSING && job.openEarly;
}

/**
 * What `takeOverPrepare(jobId, prepareRun, staleAfterMs)` does to a job in this standing
 * (`undefined`: unknown job): `{ taken: true }` when the run may take the prepare, otherwise
 * the refusal with its reason. SQL stores take with a conditional UPDATE and use this to name
 * the reason when it changed nothing.
 */
export function prepareTakeoverFor(
  job: PrepareStanding | undefined,
  prepareRun: string,
  staleAfterMs: number,
): PrepareTakeover {
  if (job === undefined) return { taken: false, reason: 'NOT_FOUND' };
  if (job.finished) return { taken: false, reason: 'FINISHED' };
  if (isTerminalJobStatus(job.status)) return { taken: false, reason: 'NOT_PREPARING' };
  // PROCESSING without the open-early mark: opened by a prepare without liveness.
  if (!isBeingPrepared(job)) return { taken: false, reason: 'FINISHED' };
  const age = job.heartbeatAgeMs;
  // At least `staleAfterMs` old: 0 takes any prepare, even one that beat this millisecond.
  if (
    job.owner === undefined ||
    job.owner === prepareRun ||
    age === undefined ||
    age >= staleAfterMs
  ) {
    return { taken: true };
  }
  return { taken: false, reason: 'RUNNING', heartbeatAgeMs: age };
}

/**
 * The argument checks of `takeOverPrepare`, the same in every store: `prepareRun` a non-empty
 * string, `staleAfterMs` a finite number >= 0. Returns the error naming the bad argument, or
 * undefined; {@link checkTakeoverArguments} throws it.
 */
export function takeoverArgumentsError(
  prepareRun: unknown,
  staleAfterMs: unknown,
): InvalidOptionError | undefined {
  if (typeof prepareRun !== 'string' || prepareRun === '') {
    return new InvalidOptionError('prepareRun', prepareRun, 'a non-empty string');
  }
  if (typeof staleAfterMs !== 'number' || !Number.isFinite(staleAfterMs) || staleAfterMs < 0) {
    return new InvalidOptionError(
      'staleAfterMs',
      staleAfterMs,
      'a finite number of milliseconds >= 0',
    );
  }
  return undefined;
}

/**
 * {@link takeoverArgumentsError}, thrown.
 * @throws InvalidOptionError naming the bad argument.
 */
export function checkTakeoverArguments(prepareRun: unknown, staleAfterMs: unknown): void {
  const error = takeoverArgumentsError(prepareRun, staleAfterMs);
  if (error) throw error;
}
