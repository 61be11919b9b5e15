import { BatchActionsError } from '../errors/batch-actions-error';
import type * as OtelApi from '@opentelemetry/api';

/** The `@opentelemetry/api` module. */
export type OtelApiModule = typeof OtelApi;

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

/** The module as an ESM namespace or as CommonJS interop (`default` holding the exports). */
function apiOf(loaded: unknown): OtelApiModule {
  const module = loaded as Partial<OtelApiModule> & { default?: Partial<OtelApiModule> };
  const api = module.trace === undefined ? module.default : module;
  if (api?.trace === undefined || api.metrics === undefined || api.context === undefined) {
    throw new OpenTelemetryLoadError(
      new TypeError(`${OTEL_API_PACKAGE} lacks trace/metrics/context`),
    );
  }
  return api as OtelApiModule;
}

let loading: Promise<OtelApiModule | undefined> | undefined;

/**
 * `@opentelemetry/api`, loaded once on first use; `undefined` when it is not installed (then
 * the importer records nothing). Any other failure rejects with `OpenTelemetryLoadError`.
 */
export function loadOtelApi(): Promise<OtelApiModule | undefined> {
  loading ??= import('@opentelemetry/api').then(apiOf, (error: unknown) => {
    if (isPackageMissing(error, OTEL_API_PACKAGE)) return undefined;
    throw new OpenTelemetryLoadError(error);
  });
  return loading;
}
