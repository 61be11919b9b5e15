/**
 * The model, the ports, events, errors, data sources, the in-memory stores and `BatchEngine`.
 *
 * @module @batchactions/core
 */
export * from './model/validation';
export * from './model/record';
export * from './model/batch';
export * from './model/job';
export { canTransition } from './model/job-transitions';
export { BatchSplitter, InvalidBatchSizeError } from './model/batch-splitter';
export type { SplitResult } from './model/batch-splitter';
export * from './errors';
export type * from './events/domain-events';
export { EventBus } from './events/event-bus';
export type { AnyEventHandler, EventHandler, HandlerErrorReporter } from './events/event-bus';
export type * from './ports/data-source';
export type * from './ports/processing';
export type * from './ports/state-store';
export { readJobProgress } from './ports/state-store';
export {
  DISTRIBUTED_STATE_STORE_METHODS,
  isDistributedStateStore,
  missingDistributedMethods,
  supportsFencedWrites,
  supportsJobLimits,
} from './ports/distributed-state-store';
export type * from './ports/distributed-state-store';
export { BatchEngine } from './engine/batch-engine';
export { JobContext } from './engine/job-context';
export type { PauseGate, RecordParser } from './engine/job-context';
export type {
  BatchEngineConfig,
  ChunkOptions,
  ChunkResult,
  JobStatusResult,
  ValidateFn,
} from './engine/batch-engine-config';
export * from './pipeline';
export * from './sources';
export * from './stores';
export * from './limits';
export { OpenTelemetryLoadError } from './telemetry/otel-errors';
export type {
  OpenTelemetryOptions,
  OtelMeterProvider,
  OtelTextMapPropagator,
  OtelTracerProvider,
} from './telemetry/otel-options';
