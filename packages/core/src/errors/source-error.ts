import { BatchActionsError } from './batch-actions-error';

/** Reading a data source failed (missing file, HTTP error status, timeout, aborted body). */
export class SourceError extends BatchActionsError {
  /** The file path or URL that failed. */
  readonly location: string;
  /** HTTP status, for URL sources that got a response. */
  readonly status?: number;

  constructor(
    location: string,
    message: string,
    options?: { cause?: unknown; status?: number; code?: string },
  ) {
    super(options?.code ?? 'SOURCE_ERROR', message, options);
    this.location = location;
    if (options?.status !== undefined) this.status = options.status;
  }
}

/**
 * A read from an offset (a resume) found that the content changed since the version it was
 * asked to continue: a remote file regenerated, say (another ETag, Last-Modified or size).
 * Reading on would mix records of two versions. `changes` names each difference.
 */
export class SourceChangedError extends SourceError {
  /** What differs, e.g. `ETag "v1" → "v2"`, `size 120 → 96 bytes`. */
  readonly changes: readonly string[];

  constructor(location: string, changes: readonly string[], options?: { status?: number }) {
    super(location, `${location} changed since it was first read: ${changes.join(', ')}`, {
      ...options,
      code: 'SOURCE_CHANGED',
    });
    this.changes = changes;
  }
}
