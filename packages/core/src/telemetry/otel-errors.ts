import { BatchActionsError } from '../errors/batch-actions-error';

/** The optional peer dependency that carries spans and metrics to an SDK. */
export const OTEL_API_PACKAGE = '@opentelemetry/api';

/**
 * `@opentelemetry/api` is installed but could not be loaded (a broken install, a version
 * without `trace`/`metrics`/`context`). Its `cause` is the loader's error.
 */
export class OpenTelemetryLoadError extends BatchActionsError {
  constructor(cause: unknown) {
    super(
      'OPENTELEMETRY_LOAD_FAILED',
      `${OTEL_API_PACKAGE} is installed but could not be loaded; reinstall it, or set openTelemetry: { enabled: false }`,
      { cause },
    );
  }
}

/**
 * True when `error` says that the package `name` itself is not installed (CommonJS
 * `MODULE_NOT_FOUND`, ESM `ERR_MODULE_NOT_FOUND`), not that something it imports is missing.
 */
export function isPackageMissing(error: unknown, name: string): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { code, message } = error as { code?: unknown; message?: unknown };
  if (code !== 'MODULE_NOT_FOUND' && code !== 'ERR_MODULE_NOT_FOUND') return false;
  return typeof message === 'string' && message.includes(`'${name}'`);
}
