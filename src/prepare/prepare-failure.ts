import { ParseError } from '@batchactions/import/validation';
import { PrepareInterruptedError, SourceMismatchError } from './prepare-errors';

/**
 * Thrown inside `prepare` when the caller's `onOpen` threw: the caller gave the prepare up, so
 * the job ends FAILED (never left resumable), and the prepare rejects with `error` itself (this
 * wrapper never leaves `prepare`).
 */
export class OnOpenRefusal extends Error {
  constructor(readonly error: unknown) {
    super('onOpen threw', { cause: error });
    this.name = 'OnOpenRefusal';
  }
}

/** Calls `onOpen`; a throw becomes an {@link OnOpenRefusal}. */
export function announceOpen(onOpen: ((jobId: string) => void) | undefined, jobId: string): void {
  try {
    onOpen?.(jobId);
  } catch (error) {
    throw new OnOpenRefusal(error);
  }
}

/**
 * What a prepare run does with its job when it stops on `error` (stores that resume prepares):
 *
 * - `'leave'`: the job is not this run's any more (cancelled, purged, taken over): nothing;
 * - `'stop'`: the source does not match what the job holds: the prepare is given up cleanly
 *   (stopped) for a resume with the right source, and `error` rejects as it is;
 * - `'fail'`: the input cannot be parsed (`ParseError` of `@batchactions/import`, by class or by
 *   its code `PARSE_ERROR`), or the caller gave up (`onOpen` threw): the job ends FAILED, only
 *   if this run still owns its prepare;
 * - `'release'`: any other error is an interruption: a store error (a dropped connection, a
 *   timeout), a source error (a network reset, a read timeout, a missing file), an error of a
 *   custom parser or source. The job is left resumable (stopped, with every stored batch and
 *   its cursor) and the prepare rejects with `PrepareResumableError`, whose `cause` is `error`.
 *   A resume that meets the same error again stops the same way; `cancel` or `purge` ends such
 *   a job for good.
 */
export type FailureHandling = 'leave' | 'stop' | 'fail' | 'release';

export function failureHandling(error: unknown): FailureHandling {
  if (error instanceof PrepareInterruptedError) return 'leave';
  if (error instanceof SourceMismatchError) return 'stop';
  if (error instanceof OnOpenRefusal || isParseError(error)) return 'fail';
  return 'release';
}

function isParseError(error: unknown): boolean {
  // By code too: a second copy of @batchactions/import (another version) has its own class.
  return (
    error instanceof ParseError ||
    (error instanceof Error && (error as { code?: unknown }).code === 'PARSE_ERROR')
  );
}
