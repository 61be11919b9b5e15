import {
  checkJobLimits,
  InvalidOptionError,
  MAX_SOURCE_NAME_LENGTH,
  type JobLimits,
  type RateLimit,
} from '@batchactions/core';
import {
  booleanOption,
  numberAtLeast,
  optionalFunction,
  optionalSignal,
  optionsObject,
} from '../option-checks';
import { checkJobIdOption } from './job-identity';

/** Options of `prepare` (the third argument, an addition; without it `prepare` is as published). */
export interface PrepareOptions {
  /**
   * The job's id, chosen by the caller: one job per key (a file's name, a message id). When the
   * store holds a job with this id already, in any status, `prepare` reads nothing, stores
   * nothing and resolves with that job (`existingStatus` says its status; the totals are the
   * job's as stored, a running count while it is being prepared), instead of creating another.
   * On a store with `createJobIfAbsent` (every store in this repository) this holds for
   * concurrent prepares too: exactly one creates the job. On a store without it, the id is
   * checked with `getJobState` first, so two prepares started at once can both go ahead. A
   * non-empty string of at most 255 characters, else `InvalidOptionError` naming `jobId`. Not an
   * option of `resumePrepare` (its first argument is the job id).
   * @defaultValue a new random UUID (every prepare creates a job, as published)
   */
  readonly jobId?: string;
  /**
   * Open the job to workers as soon as `prepare` starts: each batch can be claimed as soon as it
   * is stored, and workers that find nothing pending while the source still streams wait for
   * more. The job cannot be finalised before `prepare` has stored its last batch and set the
   * total. Until then `totalRecords` (in hooks, processor contexts, `getStatus`) is the count of
   * records stored so far, and final afterwards. Needs a store with early open (every store in
   * this repository), else `UnsupportedByStoreError`.
   * @defaultValue `false` (the published behaviour: the job opens when every batch is stored)
   */
  readonly openEarly?: boolean;
  /**
   * Stop cleanly, after the batch being stored, when this signal aborts: the job keeps what is
   * stored and `resumePrepare` goes on from there. The result then has `stoppedBy: 'stop-signal'`.
   * @defaultValue none
   */
  readonly stopSignal?: AbortSignal;
  /**
   * Milliseconds left before a hard deadline (AWS Lambda: `context.getRemainingTimeInMillis`).
   * `prepare` stops cleanly, after the batch being stored, when less than `deadlineMarginMs`
   * remains, with `stoppedBy: 'deadline'`; call `resumePrepare` (from another invocation) to go on.
   * @defaultValue no deadline
   */
  readonly remainingTimeMs?: () => number;
  /**
   * Safety margin kept before the deadline of `remainingTimeMs`.
   * @defaultValue `5000` ms
   */
  readonly deadlineMarginMs?: number;
  /**
   * Called with the job id when workers can be started on the job: with `openEarly`, right
   * after the job is saved and opened, before its first batch is stored, so that an
   * orchestrator can start workers while the source still streams; without, once every batch is
   * stored, right before the job opens (on stores with prepare liveness, every store here;
   * `runWorker` on a job whose live prepare has not opened it yet waits for it). Other stores
   * call it right after the job opens, as before.
   *
   * An error it throws fails the prepare: the job ends FAILED and `prepare` rejects with that
   * error, with or without `openEarly`; no worker could claim a batch of it before (with early
   * open no batch was stored yet; without, the job was not open yet).
   * @defaultValue none
   */
  readonly onOpen?: (jobId: string) => void;
  /**
   * A job-wide rate (issue 27): at most `records` processor calls every `perMs` milliseconds,
   * across every worker and process of the job (bulk mode: records handed to `processBatch`).
   * Workers take tokens from the store in leases (one round trip per lease, a lease being a
   * tenth of the window's allowance), so the observed rate stays within one lease of the limit.
   * Change it while the job runs with `setLimits`. Needs a store with job-wide limits (every
   * store in this repository), else `UnsupportedByStoreError` naming `rateLimit`. Both fields
   * are integers >= 1, else `InvalidOptionError` naming `rateLimit.records` or `rateLimit.perMs`.
   * @defaultValue none (no rate limit, no extra store call)
   */
  readonly rateLimit?: RateLimit;
  /**
   * A job-wide cap on batches PROCESSING at once, across every worker and process of the job,
   * checked atomically when a batch is claimed (a worker at the cap waits and claims again).
   * An integer >= 1, else `InvalidOptionError`. Change it while the job runs with `setLimits`.
   * Needs a store with job-wide limits, else `UnsupportedByStoreError` naming
   * `maxConcurrentBatches`.
   * @defaultValue none (no cap)
   */
  readonly maxConcurrentBatches?: number;
  /**
   * The name of the file (or other source) the job is prepared from, stored with the job for
   * the dashboard's search and the CLI's `list` (`JobListEntry.sourceName`). A non-empty string
   * of at most 1,000 characters, else `InvalidOptionError` naming `sourceName`. The source's
   * `metadata()` is never called for it. Not an option of `resumePrepare` (the job has its name).
   * @defaultValue the name this package's sources were constructed with: a `FilePathSource`'s
   * base name, a `UrlSource`'s file name (given, or its URL's last path segment), the
   * `fileName` given to a `BufferSource` or `StreamSource`; none for other sources
   */
  readonly sourceName?: string;
}

/** Options of `resumePrepare`. */
export interface ResumePrepareOptions extends Omit<PrepareOptions, 'jobId' | 'sourceName'> {
  /**
   * Take over a prepare whose last heartbeat is older than this (its process died); a younger
   * one is taken to be alive, and `resumePrepare` rejects with `PrepareStillRunningError`. A
   * prepare that stopped cleanly (deadline, stop signal) is taken over at once.
   *
   * At least twice the importer's `prepareHeartbeatIntervalMs` (a live prepare renews its
   * heartbeat that often, and one late heartbeat must not pass for a death), or `0`: take over
   * at once, whatever the heartbeat, for a process known to be dead (a live one then loses its
   * prepare: it stores nothing more and rejects with `PrepareOwnershipLostError`). Any other
   * value throws `InvalidOptionError` naming `takeOverAfterMs` (or `prepareTimeoutMs`, when the
   * default is too small).
   * @defaultValue the importer's `prepareTimeoutMs` (`30000` ms)
   */
  readonly takeOverAfterMs?: number;
}

/** The checked options, defaults filled in. */
export interface CheckedPrepareOptions {
  /** The caller's job id (`jobId`): the prepare creates the job only if no job has it. */
  readonly jobId?: string;
  readonly openEarly: boolean;
  readonly stopSignal: AbortSignal | undefined;
  readonly remainingTimeMs: (() => number) | undefined;
  readonly deadlineMarginMs: number;
  readonly onOpen: ((jobId: string) => void) | undefined;
  /** `rateLimit` and `maxConcurrentBatches`, checked (empty: none). */
  readonly limits: JobLimits;
  /** The caller's `sourceName`, checked (the source's own name is taken in `prepare`). */
  readonly sourceName?: string;
}

/** Checks the `sourceName` option: absent, or a non-empty string of at most 1,000 characters. */
export function checkSourceNameOption(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value.trim() === '' || value.length > MAX_SOURCE_NAME_LENGTH) {
    throw new InvalidOptionError(
      'sourceName',
      value,
      `a non-empty string of at most ${MAX_SOURCE_NAME_LENGTH} characters`,
    );
  }
  return value;
}

/** Checks `prepare`'s options the one way (`option-checks.ts`). */
export function checkPrepareOptions(given: PrepareOptions | undefined): CheckedPrepareOptions {
  const options = optionsObject('options', given);
  const jobId = checkJobIdOption(options.jobId);
  const sourceName = checkSourceNameOption(options.sourceName);
  return {
    ...(jobId === undefined ? {} : { jobId }),
    ...(sourceName === undefined ? {} : { sourceName }),
    openEarly: booleanOption('openEarly', options.openEarly, false),
    stopSignal: optionalSignal('stopSignal', options.stopSignal),
    remainingTimeMs: optionalFunction('remainingTimeMs', options.remainingTimeMs),
    deadlineMarginMs: numberAtLeast('deadlineMarginMs', options.deadlineMarginMs, 0, 5000),
    onOpen: optionalFunction('onOpen', options.onOpen),
    limits: checkJobLimits(options),
  };
}

/** The importer settings `takeOverAfterMs` is checked against. */
export interface PrepareTimings {
  /** `prepareTimeoutMs`: the default of `takeOverAfterMs`. */
  readonly prepareTimeoutMs: number;
  /** `prepareHeartbeatIntervalMs`: how often a live prepare renews its heartbeat. */
  readonly prepareHeartbeatIntervalMs: number;
}

/**
 * Checks `resumePrepare`'s options; `takeOverAfterMs` defaults to `prepareTimeoutMs`. A
 * takeover bound below two heartbeat intervals would take a live prepare for a dead one (and
 * a run that has just taken over for a stale one): refused, unless it is `0`, the explicit "take
 * over now".
 */
export function checkResumeOptions(
  given: ResumePrepareOptions | undefined,
  timings: PrepareTimings,
): CheckedPrepareOptions & { readonly takeOverAfterMs: number } {
  const options = optionsObject('options', given);
  for (const name of ['jobId', 'sourceName'] as const) {
    if ((options as PrepareOptions)[name] !== undefined) {
      throw new InvalidOptionError(
        name,
        (options as PrepareOptions)[name],
        name === 'jobId'
          ? 'no jobId option: resumePrepare takes the job id as its first argument'
          : 'no sourceName option: resumePrepare goes on with the job stored under its name',
      );
    }
  }
  const takeOverAfterMs = numberAtLeast(
    'takeOverAfterMs',
    options.takeOverAfterMs,
    0,
    timings.prepareTimeoutMs,
  );
  const safe = 2 * timings.prepareHeartbeatIntervalMs;
  if (takeOverAfterMs !== 0 && takeOverAfterMs < safe) {
    const defaulted = options.takeOverAfterMs === undefined;
    throw new InvalidOptionError(
      defaulted ? 'prepareTimeoutMs' : 'takeOverAfterMs',
      takeOverAfterMs,
      `0 (take over at once) or at least ${safe} ms, twice prepareHeartbeatIntervalMs ` +
        `(${timings.prepareHeartbeatIntervalMs} ms): a live prepare's heartbeat may be that old` +
        (defaulted ? ' (prepareTimeoutMs is the default of takeOverAfterMs)' : ''),
    );
  }
  return { ...checkPrepareOptions(options), takeOverAfterMs };
}
