/**
 * Emitted (through `process.emitWarning`) when an `onBackgroundError` callback throws. The
 * worker goes on: its background work (heartbeats, cancellation checks, prepare heartbeats) is
 * retried on its next tick, and the failure the callback was given is in `cause`, with the
 * callback's own error in `handlerError`.
 */
export class BackgroundErrorHandlerWarning extends Error {
  override readonly name = 'BackgroundErrorHandlerWarning';
  /** What the callback threw. */
  readonly handlerError: unknown;

  constructor(backgroundError: unknown, handlerError: unknown) {
    const reason = handlerError instanceof Error ? handlerError.message : String(handlerError);
    super(
      `the onBackgroundError callback threw (${reason}); the worker goes on and retries its background work`,
      { cause: backgroundError },
    );
    this.handlerError = handlerError;
  }
}

/**
 * `handler`, made safe to call from a timer: a throw (or a rejected promise, for an async
 * callback) becomes a {@link BackgroundErrorHandlerWarning} instead of an unhandled rejection
 * that would end the process.
 */
export function guardBackgroundHandler(
  handler: (error: unknown) => unknown,
): (error: unknown) => void {
  const warn = (error: unknown, handlerError: unknown) => {
    process.emitWarning(new BackgroundErrorHandlerWarning(error, handlerError));
  };
  return (error) => {
    try {
      const returned: unknown = handler(error);
      if (returned instanceof Promise) {
        returned.catch((handlerError: unknown) => {
          warn(error, handlerError);
        });
      }
    } catch (handlerError) {
      warn(error, handlerError);
    }
  };
}
