import { BatchActionsError } from './batch-actions-error';

/** Reading a data source failed (missing file, HTTP error status, timeout, aborted body). */
export class SourceError extends BatchActionsError {
  /** The file path or URL that failed. */
  readonly location: string;
  /** HTTP status, for URL sources that got a response. */
  readonly status?: number;

  constructor(location: string, message: string, options?: { cause?: unknown; status?: number }) {
    super('SOURCE_ERROR', message, options);
    this.location = location;
    if (options?.status !== undefined) this.status = options.status;
  }
}
