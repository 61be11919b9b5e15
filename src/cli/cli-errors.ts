import { BatchActionsError } from '@batchactions/core';

/**
 * The command line is wrong in a way only seen after parsing (a schema file that is not a
 * schema, a processor module without a processor, a file whose format cannot be told). The CLI
 * prints the message and the command's usage and exits with code 2.
 */
export class CliUsageError extends BatchActionsError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('CLI_USAGE', message, options);
  }
}

/** A store URL names a store whose optional package is not installed. */
export class StorePackageMissingError extends BatchActionsError {
  /** The npm package to install, e.g. `@batchactions/state-sqlite`. */
  readonly packageName: string;

  constructor(packageName: string, storeUrl: string, cause: unknown) {
    super(
      'STORE_PACKAGE_MISSING',
      `The store URL "${storeUrl}" needs the optional package ${packageName}, which is not installed. ` +
        `Install it with: npm install ${packageName}`,
      { cause },
    );
    this.packageName = packageName;
  }
}

/** A worker process started by `demo` failed. */
export class WorkerProcessError extends BatchActionsError {
  readonly workerId: string;
  /** Exit code of the process, or `null` when a signal ended it. */
  readonly exitCode: number | null;
  /** What the process wrote to stderr (its last 8 KB). */
  readonly stderr: string;

  constructor(workerId: string, exitCode: number | null, signal: string | null, stderr: string) {
    const how =
      exitCode === null ? `was killed by ${signal ?? 'a signal'}` : `exited with code ${exitCode}`;
    const detail =
      stderr.trim() === '' ? ' (no stderr output)' : `; its stderr:\n${stderr.trimEnd()}`;
    super('WORKER_PROCESS_FAILED', `Worker process "${workerId}" ${how}${detail}`);
    this.workerId = workerId;
    this.exitCode = exitCode;
    this.stderr = stderr;
  }
}

/**
 * A command working on one job failed: the message starts with the job id, so every failure
 * names the job it concerns. The original error's own cause stays the cause.
 */
export class JobCommandError extends BatchActionsError {
  readonly jobId: string;
  /** The error that ended the command. */
  readonly original: unknown;

  constructor(jobId: string, original: unknown) {
    const message = original instanceof Error ? original.message : String(original);
    super('JOB_COMMAND_FAILED', `job ${jobId}: ${message}`, {
      cause: original instanceof Error ? original.cause : undefined,
    });
    this.jobId = jobId;
    this.original = original;
  }
}

/** The job id an error carries (`error.jobId`), if any. */
export function jobIdOf(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const { jobId } = error as { jobId?: unknown };
  return typeof jobId === 'string' && jobId !== '' ? jobId : undefined;
}
