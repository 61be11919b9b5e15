/** Base class of every error this library raises; `code` is stable and machine-readable. */
export class BatchActionsError extends Error {
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}
