import { InvalidOptionError } from '@batchactions/core';
import { booleanOption, optionsObject } from '../option-checks';

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
 * Addition (issue 29): OpenTelemetry traces and metrics of the importer, through
 * `@opentelemetry/api` (an optional peer dependency: without it, or without an SDK registered,
 * nothing is recorded and nothing is loaded). See docs/opentelemetry.md.
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
   * worker's own current context.
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
