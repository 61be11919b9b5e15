import type {
  Attributes,
  Context,
  Counter,
  Histogram,
  Meter,
  Span,
  TextMapPropagator,
  Tracer,
} from '@opentelemetry/api';
import type { OtelApiModule } from './otel-api';
import type { ResolvedOpenTelemetry } from './otel-options';

/** The instrumentation scope of the distributed importer's spans and instruments. */
export const SCOPE_NAME = '@batchactions/distributed';

/** The instrumentation scope of `BatchEngine`'s (and so `BulkImport`'s) spans and instruments. */
export const ENGINE_SCOPE_NAME = '@batchactions/core';

/** `messaging.system` of every span and measurement. */
export const MESSAGING_SYSTEM = 'batchactions';

/**
 * Attribute keys: the messaging semantic conventions where they fit (a job is the destination
 * its batches are sent to and consumed from), `batchactions.` otherwise. None carries a record's
 * values or a per-record id.
 */
export const ATTR = {
  system: 'messaging.system',
  operationName: 'messaging.operation.name',
  operationType: 'messaging.operation.type',
  destination: 'messaging.destination.name',
  consumerGroup: 'messaging.consumer.group.name',
  messageCount: 'messaging.batch.message_count',
  errorType: 'error.type',
  jobId: 'batchactions.job.id',
  batchIndex: 'batchactions.batch.index',
  attempt: 'batchactions.batch.attempt',
  workerId: 'batchactions.worker.id',
  processed: 'batchactions.batch.records_processed',
  failed: 'batchactions.batch.records_failed',
  released: 'batchactions.batch.released',
  records: 'batchactions.prepare.records',
  batches: 'batchactions.prepare.batches',
  sourceBytes: 'batchactions.prepare.source_bytes',
  resumed: 'batchactions.prepare.resumed',
  stoppedBy: 'batchactions.prepare.stopped_by',
  control: 'batchactions.control.operation',
  changed: 'batchactions.control.changed',
  summaryTotal: 'batchactions.job.total',
  summaryProcessed: 'batchactions.job.processed',
  summaryFailed: 'batchactions.job.failed',
  summarySkipped: 'batchactions.job.skipped',
  reason: 'batchactions.job.failure_reason',
  jobStatus: 'batchactions.job.status',
  chunked: 'batchactions.run.chunked',
  recordCount: 'batchactions.batch.records',
} as const;

/** Metric names (see docs/opentelemetry.md). */
export const METRIC = {
  recordsProcessed: 'batchactions.records.processed',
  recordsFailed: 'batchactions.records.failed',
  recordsRetried: 'batchactions.records.retried',
  recordsPending: 'batchactions.records.pending',
  batchDuration: 'messaging.process.duration',
  processorDuration: 'batchactions.processor.duration',
  claims: 'batchactions.batches.claimed',
  reclaims: 'batchactions.batches.reclaimed',
  quarantines: 'batchactions.batches.quarantined',
  leaseLosses: 'batchactions.leases.lost',
  prepareRecords: 'batchactions.prepare.records',
  prepareThroughput: 'batchactions.prepare.throughput',
} as const;

/** The metric attributes of a job: low cardinality (one series per job). */
export function jobAttributes(jobId: string): Attributes {
  return { [ATTR.system]: MESSAGING_SYSTEM, [ATTR.destination]: jobId };
}

/**
 * The messaging attributes of a span of one of a job's operations (`prepare`, `process`,
 * `finalize`, `run`, a control call): system, operation name and type, destination and job id.
 */
export function operationAttributes(
  jobId: string,
  operationName: string,
  operationType?: string,
): Attributes {
  return {
    [ATTR.system]: MESSAGING_SYSTEM,
    [ATTR.operationName]: operationName,
    ...(operationType === undefined ? {} : { [ATTR.operationType]: operationType }),
    [ATTR.destination]: jobId,
    [ATTR.jobId]: jobId,
  };
}

/**
 * The tracer, meter, propagator and instruments of one importer (or `BatchEngine`), once the API
 * is loaded. `BatchEngine` uses the record, batch and processor instruments; the claim, reclaim,
 * quarantine, lease and prepare ones are the distributed importer's.
 */
export class OtelInstruments {
  readonly tracer: Tracer;
  readonly meter: Meter;
  readonly propagator: TextMapPropagator;
  readonly recordsProcessed: Counter;
  readonly recordsFailed: Counter;
  readonly recordsRetried: Counter;
  readonly batchDuration: Histogram;
  readonly processorDuration: Histogram;
  readonly claims: Counter;
  readonly reclaims: Counter;
  readonly quarantines: Counter;
  readonly leaseLosses: Counter;
  readonly prepareRecords: Counter;
  readonly prepareThroughput: Histogram;
  /**
   * Whether processor calls are timed: `false` when the processor histogram is the API's no-op
   * (no meter provider registered), so a worker without metrics adds nothing per record.
   */
  readonly timesProcessor: boolean;

  constructor(
    readonly api: OtelApiModule,
    options: ResolvedOpenTelemetry,
    scope: string = SCOPE_NAME,
  ) {
    const tracerProvider = (options.tracerProvider ?? api.trace.getTracerProvider()) as {
      getTracer(name: string): Tracer;
    };
    const meterProvider = (options.meterProvider ?? api.metrics.getMeterProvider()) as {
      getMeter(name: string): Meter;
    };
    this.tracer = tracerProvider.getTracer(scope);
    this.meter = meterProvider.getMeter(scope);
    this.propagator = (options.propagator ?? api.propagation) as TextMapPropagator;
    const m = this.meter;
    const records = { unit: '{record}' };
    this.recordsProcessed = m.createCounter(METRIC.recordsProcessed, {
      ...records,
      description: 'Records the processor accepted, counted when their batch is written',
    });
    this.recordsFailed = m.createCounter(METRIC.recordsFailed, {
      ...records,
      description: 'Records invalid or failed, counted when their batch is written',
    });
    this.recordsRetried = m.createCounter(METRIC.recordsRetried, {
      ...records,
      description: 'Processor attempts that failed and were retried',
    });
    this.batchDuration = m.createHistogram(METRIC.batchDuration, {
      unit: 's',
      description: 'Time from a batch claimed to its results written (one batch)',
    });
    this.processorDuration = m.createHistogram(METRIC.processorDuration, {
      unit: 's',
      description: 'Duration of one processor call (one record, or one bulk call)',
    });
    this.claims = m.createCounter(METRIC.claims, {
      unit: '{batch}',
      description: 'Batches claimed by workers',
    });
    this.reclaims = m.createCounter(METRIC.reclaims, {
      unit: '{batch}',
      description: 'Stale batches (their worker died or hangs) put back to PENDING by a sweep',
    });
    this.quarantines = m.createCounter(METRIC.quarantines, {
      unit: '{batch}',
      description:
        'Stale batches a sweep marked FAILED instead, their claims used up (maxBatchAttempts)',
    });
    this.leaseLosses = m.createCounter(METRIC.leaseLosses, {
      unit: '{batch}',
      description: 'Batches whose worker lost its lease: their results were refused',
    });
    this.prepareRecords = m.createCounter(METRIC.prepareRecords, {
      ...records,
      description: 'Records stored by prepares',
    });
    this.prepareThroughput = m.createHistogram(METRIC.prepareThroughput, {
      unit: '{record}/s',
      description: 'Records stored per second by one prepare run',
    });
    // The API's no-op meter (no SDK registered) hands out one shared no-op histogram.
    this.timesProcessor = this.processorDuration !== api.createNoopMeter().createHistogram('');
  }

  /** `span` with an error status and the exception recorded. */
  failSpan(span: Span, error: unknown, errorType?: string): void {
    if (error instanceof Error) span.recordException(error);
    span.setAttribute(ATTR.errorType, errorType ?? errorTypeOf(error));
    span.setStatus({
      code: this.api.SpanStatusCode.ERROR,
      message: error instanceof Error ? error.message : String(error),
    });
  }

  /** The context stored in `carrier`, over the current one. */
  extract(carrier: Readonly<Record<string, string>>): Context {
    return this.propagator.extract(
      this.api.context.active(),
      carrier,
      this.api.defaultTextMapGetter,
    );
  }

  /** The carrier of `context` (`traceparent`, `tracestate` with W3C Trace Context). */
  inject(context: Context): Record<string, string> {
    const carrier: Record<string, string> = {};
    this.propagator.inject(context, carrier, this.api.defaultTextMapSetter);
    return carrier;
  }
}

/** A low-cardinality error type: the error's class name. */
export function errorTypeOf(error: unknown): string {
  return error instanceof Error ? error.name : '_OTHER';
}

/**
 * `call` timed into `batchactions.processor.duration`: a synchronous call stays synchronous (the
 * pipeline takes a result that is not a promise as it is, without racing the batch's signal).
 */
function timedCall<A extends unknown[], R>(
  call: (...args: A) => R,
  o: OtelInstruments,
  attributes: Attributes,
): (...args: A) => R {
  return (...args) => {
    const started = performance.now();
    const record = () => {
      o.processorDuration.record((performance.now() - started) / 1000, attributes);
    };
    let result: R;
    try {
      result = call(...args);
    } catch (error) {
      record();
      throw error;
    }
    // A synchronous call ends here; an asynchronous one when its promise settles.
    if (isThenable(result)) return Promise.resolve(result).finally(record) as R;
    record();
    return result;
  };
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    (typeof value === 'object' || typeof value === 'function') &&
    value !== null &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}

/**
 * The processor with each call's duration recorded (`batchactions.processor.duration`): a
 * function (one record per call), or an object with `processBatch` (one bulk call); anything
 * else is returned as it is.
 */
export function timeProcessor<P>(processor: P, o: OtelInstruments, attributes: Attributes): P {
  if (typeof processor === 'function') {
    return timedCall(processor as (...args: unknown[]) => unknown, o, attributes) as P;
  }
  const bulk = processor as { processBatch?: unknown } | null;
  if (typeof bulk !== 'object' || bulk === null || typeof bulk.processBatch !== 'function') {
    return processor;
  }
  const processBatch = bulk.processBatch as (...args: unknown[]) => unknown;
  const timed = { processBatch: timedCall(processBatch.bind(bulk), o, attributes) };
  return timed as P;
}
