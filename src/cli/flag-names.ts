import { BatchActionsError, InvalidOptionError } from '@batchactions/core';
import { CliUsageError } from './cli-errors';

/**
 * Library option → the CLI flag that sets it. Messages written by the library name its
 * options (`takeOverAfterMs`); on the command line the user typed the flag, so the CLI names
 * the flag instead.
 */
export const CLI_FLAG_NAMES: Readonly<Record<string, string>> = {
  takeOverAfterMs: '--take-over-after',
  remainingTimeMs: '--max-time',
  openEarly: '--open-early',
  batchSize: '--batch-size',
  staleBatchTimeoutMs: '--stale-timeout-ms',
  leaseTimeoutMs: '--lease-timeout-ms',
  recordTimeoutMs: '--record-timeout-ms',
  concurrency: '--concurrency',
  recordConcurrency: '--record-concurrency',
  workerId: '--worker-id',
  prepareTimeoutMs: '--prepare-timeout',
};

/** The argument a flag takes, as its help shows it (`--take-over-after <ms>`). */
function flagUsage(flag: string): string {
  if (flag === '--open-early') return flag;
  if (flag === '--worker-id') return `${flag} <id>`;
  return flag.endsWith('-ms') ||
    flag === '--take-over-after' ||
    flag === '--max-time' ||
    flag === '--prepare-timeout'
    ? `${flag} <ms>`
    : `${flag} <n>`;
}

const OPTION_NAME = new RegExp(`\\b(${Object.keys(CLI_FLAG_NAMES).join('|')})\\b`, 'g');

/** The text with every library option name replaced by its CLI flag. */
export function withFlagNames(text: string): string {
  return text.replace(OPTION_NAME, (name) => CLI_FLAG_NAMES[name] ?? name);
}

/**
 * A library refusal reworded for the command line: the original's code, job id and cause, its
 * message with the CLI's flag names (the original, naming the library's options, is kept as
 * `original` and not printed).
 */
export class CliRefusalError extends BatchActionsError {
  /** The job the refusal concerns, when the original named one. */
  readonly jobId: string | undefined;
  /** The library's error. */
  readonly original: BatchActionsError;

  constructor(original: BatchActionsError) {
    super(original.code, withFlagNames(original.message), { cause: original.cause });
    const { jobId } = original as { jobId?: unknown };
    this.jobId = typeof jobId === 'string' ? jobId : undefined;
    this.original = original;
  }
}

/**
 * `error` as the CLI reports it: an `InvalidOptionError` about an option a flag sets becomes a
 * usage error naming the flag (exit code 2); any other library error naming such an option is
 * reworded with the flag (`CliRefusalError`); everything else is returned as it is.
 */
export function withCliFlags(error: unknown): unknown {
  if (error instanceof InvalidOptionError) {
    const flag = CLI_FLAG_NAMES[error.option];
    if (flag === undefined) return error;
    const detail = error.message.replace(/^Invalid option "[^"]*": /, '');
    return new CliUsageError(
      `option '${flagUsage(flag)}' argument '${String(error.value)}' is invalid: ${withFlagNames(detail)}`,
      { cause: error },
    );
  }
  if (error instanceof BatchActionsError && withFlagNames(error.message) !== error.message) {
    return new CliRefusalError(error);
  }
  return error;
}
