/**
 * The OpenTelemetry plumbing shared by `BatchEngine` and the other `@batchactions` packages
 * (`@batchactions/distributed`): the lazy loader of `@opentelemetry/api`, the options, the
 * instruments and the attribute and metric names. Its types refer to `@opentelemetry/api`, an
 * optional peer dependency: import this entry point only where it is installed. Not a stable API
 * for applications: use the `openTelemetry` option of the importers.
 *
 * @module @batchactions/core/telemetry
 */
export { isPackageMissing, OpenTelemetryLoadError, OTEL_API_PACKAGE } from './otel-errors';
export { loadOtelApi, type OtelApiModule } from './otel-api';
export {
  resolveOpenTelemetry,
  type OpenTelemetryOptions,
  type OtelMeterProvider,
  type OtelTextMapPropagator,
  type OtelTracerProvider,
  type ResolvedOpenTelemetry,
} from './otel-options';
export {
  ATTR,
  ENGINE_SCOPE_NAME,
  errorTypeOf,
  jobAttributes,
  MESSAGING_SYSTEM,
  METRIC,
  operationAttributes,
  OtelInstruments,
  SCOPE_NAME,
  timeProcessor,
} from './otel-instruments';
