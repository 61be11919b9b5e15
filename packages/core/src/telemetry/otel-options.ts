import { InvalidOptionError } from '../errors/invalid-option-error';

function optionsObject<T extends object>(name: string, value: T | undefined): T {
  if (value === undefined) return {} as T;
  if (typeof value !== 'object' || (value as unknown) === null) {
    throw new InvalidOptionError(name, value, 'an options object');
  }
  return value;
}

function booleanOption(option: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') throw new InvalidOptionError(option, value, 'a boolean');
  return value;
}

/**
 * The part of an OpenTelemetry `TracerProvider` the importer uses (typed here so that the
 * facade's types do not need `@opentelemetry/api` installed; pass the SDK's provider).
 */
export interface OtelTracerProvider {
  getTracer(name: string, version?: string): unknown;
}

/** The part of an OpenTelemetry `MeterProvider` the importer uses (pass the SDK's provider). */
export interface OtelMeterProvider {
  getMeter(name: string, version?: string): unknown;
}

/** The part of an OpenTelemetry `TextMapPropagator` the importer uses. */
export interface OtelTextMapPropagator {
  inject(context: unknown, carrier: unknown, setter: unknown): void;
  extract(context: unknown, carrier: unknown, getter: unknown): unknown;
}

/**
 * Addition (issue 29): OpenTelemetry traces and metrics of `DistributedImport`, `BatchEngine` and
 * `BulkImport`, through `@opentelemetry/api` (an optional peer dependency: without it nothing is
 * loaded or recorded; without an SDK registered every span and instrument is a no-op). See
 * docs/opentelemetry.md.
 */
export interface OpenTelemetryOptions {
  /**
   * Emit spans and metrics. Default `true` (a no-op until the application installs
   * `@opentelemetry/api` and registers an SDK).
   */
  readonly enabled?: boolean;
  /**
   * Store the prepare's trace context with the job (on stores with `saveTraceContext`: every
   * store in this repository) so that every worker's batch spans, in any process, are children
   * of the prepare span: one import is one trace. Default `false`: each batch span starts in the
   * worker's own current context. `BatchEngine` and `BulkImport` run in one process: their batch
   * spans are always children of the run's span, and they ignore this option and `propagator`.
   */
  readonly propagateContext?: boolean;
  /** Where spans go. Default: the global provider (`trace.getTracerProvider()`). */
  readonly tracerProvider?: OtelTracerProvider;
  /** Where metrics go. Default: the global provider (`metrics.getMeterProvider()`). */
  readonly meterProvider?: OtelMeterProvider;
  /**
   * How the trace context is written to and read from the job (`propagateContext`). Default:
   * the global propagator (`propagation`; W3C Trace Context with the Node.js SDK).
   */
  readonly propagator?: OtelTextMapPropagator;
}

/** The options with their defaults filled in. */
export interface ResolvedOpenTelemetry {
  readonly enabled: boolean;
  readonly propagateContext: boolean;
  readonly tracerProvider: OtelTracerProvider | undefined;
  readonly meterProvider: OtelMeterProvider | undefined;
  readonly propagator: OtelTextMapPropagator | undefined;
}

function providerOption<T>(option: string, value: T | undefined, method: string): T | undefined {
  if (value === undefined) return undefined;
  const candidate = value as Record<string, unknown> | null;
  if (
    typeof candidate !== 'object' ||
    candidate === null ||
    typeof candidate[method] !== 'function'
  ) {
    throw new InvalidOptionError(option, value, `an object with a ${method}() method`);
  }
  return value;
}

/** Checks `openTelemetry` (naming the option that is wrong) and fills in the defaults. */
export function resolveOpenTelemetry(
  value: OpenTelemetryOptions | undefined,
): ResolvedOpenTelemetry {
  const options = optionsObject('openTelemetry', value);
  return {
    enabled: booleanOption('openTelemetry.enabled', options.enabled, true),
    propagateContext: booleanOption(
      'openTelemetry.propagateContext',
      options.propagateContext,
      false,
    ),
    tracerProvider: providerOption(
      'openTelemetry.tracerProvider',
      options.tracerProvider,
      'getTracer',
    ),
    meterProvider: providerOption('openTelemetry.meterProvider', options.meterProvider, 'getMeter'),
    propagator: providerOption('openTelemetry.propagator', options.propagator, 'inject'),
  };
}
