import {
  booleanOption,
  numberAtLeast,
  optionalFunction,
  optionalSignal,
  optionsObject,
} from '../option-checks';

/** Options of `prepare` (the third argument, an addition; without it `prepare` is as published). */
export interface PrepareOptions {
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
   * Called with the job id as soon as workers can claim the job's batches: with `openEarly`,
   * right after the job is saved (before its first batch is stored), so that an orchestrator
   * can start workers while the source still streams; without, once every batch is stored. An
   * error it throws fails the prepare.
   * @defaultValue none
   */
  readonly onOpen?: (jobId: string) => void;
}

/** Options of `resumePrepare`. */
export interface ResumePrepareOptions extends PrepareOptions {
  /**
   * Take over a prepare whose last heartbeat is older than this (its process died); a younger
   * one is taken to be alive, and `resumePrepare` rejects with `PrepareStillRunningError`. A
   * prepare that stopped cleanly (deadline, stop signal) is taken over at once.
   * @defaultValue the importer's `prepareTimeoutMs` (`30000` ms)
   */
  readonly takeOverAfterMs?: number;
}

/** The checked options, defaults filled in. */
export interface CheckedPrepareOptions {
  readonly openEarly: boolean;
  readonly stopSignal: AbortSignal | undefined;
  readonly remainingTimeMs: (() => number) | undefined;
  readonly deadlineMarginMs: number;
  readonly onOpen: ((jobId: string) => void) | undefined;
}

/** Checks `prepare`'s options the one way (`option-checks.ts`). */
export function checkPrepareOptions(given: PrepareOptions | undefined): CheckedPrepareOptions {
  const options = optionsObject('options', given);
  return {
    openEarly: booleanOption('openEarly', options.openEarly, false),
    stopSignal: optionalSignal('stopSignal', options.stopSignal),
    remainingTimeMs: optionalFunction('remainingTimeMs', options.remainingTimeMs),
    deadlineMarginMs: numberAtLeast('deadlineMarginMs', options.deadlineMarginMs, 0, 5000),
    onOpen: optionalFunction('onOpen', options.onOpen),
  };
}

/** Checks `resumePrepare`'s options; `takeOverAfterMs` defaults to `prepareTimeoutMs`. */
export function checkResumeOptions(
  given: ResumePrepareOptions | undefined,
  prepareTimeoutMs: number,
): CheckedPrepareOptions & { readonly takeOverAfterMs: number } {
  const options = optionsObject('options', given);
  return {
    ...checkPrepareOptions(options),
    takeOverAfterMs: numberAtLeast('takeOverAfterMs', options.takeOverAfterMs, 0, prepareTimeoutMs),
  };
}
