import type * as OtelApi from '@opentelemetry/api';
import { isPackageMissing, OpenTelemetryLoadError, OTEL_API_PACKAGE } from './otel-errors';

/** The `@opentelemetry/api` module. */
export type OtelApiModule = typeof OtelApi;

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
