import type { Attributes, Context, Span } from '@opentelemetry/api';
import type { EventBus } from '../events/event-bus';
import type { JobStatus, JobSummary } from '../model/job';
import { errorMessage } from '../pipeline/error-message';
import { loadOtelApi, type OtelApiModule } from './otel-api';
import {
  ATTR,
  ENGINE_SCOPE_NAME,
  errorTypeOf,
  jobAttributes,
  OtelInstruments,
  operationAttributes,
  timeProcessor,
} from './otel-instruments';
import type { ResolvedOpenTelemetry } from './otel-options';

/** The span of one batch of a `BatchEngine` run, and the measurements made within it. */
export interface EngineBatchTrace {
  /** Runs `work` with the batch span active (a processor's own spans nest under it). */
  run<T>(work: () => Promise<T>): Promise<T>;
  /** The processor, timed per call (`batchactions.processor.duration`). */
  timed<P>(processor: P): P;
  /** The batch ended: `completed`, or `left` early (an abort, a pause at a chunk limit, another batch's failure). */
  end(processed: number, failed: number, left: boolean): void;
  /** The batch failed with `error` (a record failed with `continueOnError: false`, a store error). */
  fail(processed: number, failed: number, error: unknown): void;
}

/** The span of one `start()` / `processChunk()` run. */
export interface EngineRunTrace {
  /** Runs `work` with the run span active: its batch spans are the run span's children. */
  run<T>(work: () => Promise<T>): Promise<T>;
  /** Opens the span of one batch. */
  batch(batchIndex: number, recordCount: number): EngineBatchTrace;
  /** The run ended with the job in `status`; `failure` when it failed. */
  end(status: JobStatus, summary: JobSummary, failure: unknown): void;
}

/**
 * The OpenTelemetry side of one `BatchEngine` (issue 29): a span per run (`run {job}`), a span
 * per batch (`process {job}`, never per record), and the record, batch and processor metrics
 * of the distributed importer under the same names. `@opentelemetry/api` is loaded before the
 * first run; when it is not installed nothing is recorded.
 */
export class EngineTelemetry {
  private loading: Promise<void> | undefined;
  private instruments: OtelInstruments | undefined;
  /** The span of the run in progress (one at a time per engine), for pause and abort events. */
  private current: Span | undefined;

  constructor(
    private readonly options: ResolvedOpenTelemetry,
    private readonly events: EventBus,
  ) {}

  /**
   * Resolves once the API is loaded or known to be absent. The first run waits for the load;
   * later ones get a settled promise (one microtask, as the run's first step always took).
   */
  ready(): Promise<void> {
    this.loading ??= loadOtelApi().then(
      (api) => {
        if (api !== undefined) this.start(api);
      },
      (error: unknown) => {
        // Installed but broken: said once; the engine runs without telemetry.
        console.warn(`[batchactions] OpenTelemetry is off: ${errorMessage(error)}`);
      },
    );
    return this.loading;
  }

  private start(api: OtelApiModule): void {
    const o = new OtelInstruments(api, this.options, ENGINE_SCOPE_NAME);
    this.instruments = o;
    this.events.on('record:retried', (event) => {
      o.recordsRetried.add(1, jobAttributes(event.jobId));
    });
    this.events.on('job:paused', () => this.current?.addEvent('job.paused'));
    this.events.on('job:aborted', () => this.current?.addEvent('job.aborted'));
  }

  /**
   * Opens the span `run {jobId}` of a run, a child of the caller's current context; `undefined`
   * when nothing is recorded (call after {@link ready}).
   */
  startRun(jobId: string, chunked: boolean): EngineRunTrace | undefined {
    const o = this.instruments;
    if (o === undefined) return undefined;
    const { api } = o;
    const parent = api.context.active();
    const span = o.tracer.startSpan(
      `run ${jobId}`,
      {
        kind: api.SpanKind.INTERNAL,
        attributes: {
          ...operationAttributes(jobId, 'run'),
          [ATTR.chunked]: chunked,
        },
      },
      parent,
    );
    this.current = span;
    const context = api.trace.setSpan(parent, span);
    const attributes = jobAttributes(jobId);
    return {
      run: (work) => api.context.with(context, work),
      batch: (batchIndex, recordCount) =>
        openBatch(o, context, jobId, batchIndex, recordCount, attributes),
      end: (status, summary, failure) => {
        if (this.current === span) this.current = undefined;
        span.setAttributes({
          [ATTR.jobStatus]: status,
          [ATTR.summaryTotal]: summary.total,
          [ATTR.summaryProcessed]: summary.processed,
          [ATTR.summaryFailed]: summary.failed,
          [ATTR.summarySkipped]: summary.skipped,
        });
        if (failure !== undefined) o.failSpan(span, failure);
        span.end();
      },
    };
  }
}

function openBatch(
  o: OtelInstruments,
  parent: Context,
  jobId: string,
  batchIndex: number,
  recordCount: number,
  attributes: Attributes,
): EngineBatchTrace {
  const { api } = o;
  const span = o.tracer.startSpan(
    `process ${jobId}`,
    {
      kind: api.SpanKind.INTERNAL,
      attributes: {
        ...operationAttributes(jobId, 'process', 'process'),
        [ATTR.batchIndex]: batchIndex,
        [ATTR.recordCount]: recordCount,
      },
    },
    parent,
  );
  const context = api.trace.setSpan(parent, span);
  const started = performance.now();
  const elapsed = () => (performance.now() - started) / 1000;
  const count = (processed: number, failed: number) => {
    span.setAttributes({ [ATTR.processed]: processed, [ATTR.failed]: failed });
    // Counted as they are done: a batch left early counts the records it did.
    if (processed > 0) o.recordsProcessed.add(processed, attributes);
    if (failed > 0) o.recordsFailed.add(failed, attributes);
  };
  let ended = false;
  return {
    run: (work) => api.context.with(context, work),
    timed: (processor) => timeProcessor(processor, o, attributes),
    end: (processed, failed, left) => {
      if (ended) return;
      ended = true;
      count(processed, failed);
      if (left) {
        span.setAttribute(ATTR.released, true);
        span.addEvent('batch.left');
      }
      span.end();
      o.batchDuration.record(elapsed(), { ...attributes, [ATTR.operationName]: 'process' });
    },
    fail: (processed, failed, error) => {
      if (ended) return;
      ended = true;
      count(processed, failed);
      o.failSpan(span, error);
      span.end();
      o.batchDuration.record(elapsed(), {
        ...attributes,
        [ATTR.operationName]: 'process',
        [ATTR.errorType]: errorTypeOf(error),
      });
    },
  };
}
