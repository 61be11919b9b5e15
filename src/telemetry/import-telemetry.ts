import type { Context, Span } from '@opentelemetry/api';
import type {
  BulkProcessor,
  DistributedStateStore,
  EventBus,
  JobSummary,
  RecordProcessorFn,
} from '@batchactions/core';
import {
  ATTR,
  errorTypeOf,
  jobAttributes,
  loadOtelApi,
  OtelInstruments,
  timeProcessor,
  type ResolvedOpenTelemetry,
  operationAttributes,
} from '@batchactions/core/telemetry';
import { PendingRecordsGauge } from './pending-records-gauge';

/**
 * Where `@opentelemetry/api` 1.x keeps what an application registered globally (tracer and meter
 * providers, propagator, context manager, logger): a property of `globalThis` under this symbol,
 * absent until something is registered.
 */
const OTEL_GLOBALS = Symbol.for('opentelemetry.js.api.1');

/**
 * Whether recording needs `@opentelemetry/api` loaded now: a provider or a propagator was given,
 * the trace context is propagated, or an application registered something globally (an SDK).
 * Otherwise every span and instrument would be a no-op, and a worker would hold the API's code
 * (several MB of resident memory) for nothing. Asked again at each use until it is loaded, so an
 * SDK registered later is picked up by the next batch.
 */
function otelNeeded(options: ResolvedOpenTelemetry): boolean {
  return (
    options.tracerProvider !== undefined ||
    options.meterProvider !== undefined ||
    options.propagator !== undefined ||
    options.propagateContext ||
    (globalThis as Record<symbol, unknown>)[OTEL_GLOBALS] !== undefined
  );
}

/** What a prepare run reports when it ends (a `PrepareOutcome`'s fields). */
export interface PreparedCounts {
  readonly totalRecords: number;
  readonly totalBatches: number;
  readonly stoppedBy?: string;
  readonly existingStatus?: string;
  readonly storedRecords?: number;
}

/** Hooks the prepare calls into while its span is open. */
export interface PrepareTrace {
  /** The job row exists and is this run's: stores the trace context with it (`propagateContext`). */
  readonly jobCreated: () => Promise<void>;
}

/** What a batch span needs to know about the claim. */
export interface ClaimedBatch {
  readonly jobId: string;
  readonly batchIndex: number;
  readonly attempt: number | undefined;
  readonly workerId: string;
}

/** What a batch span records when the batch ends. */
export interface BatchEnd {
  readonly processedCount: number;
  readonly failedCount: number;
  readonly released?: boolean;
}

/** The span of one claimed batch, and the measurements made within it. */
export interface BatchTrace {
  /** Runs `work` with the batch span as the active span (a processor's spans nest under it). */
  run<T>(work: () => Promise<T>): Promise<T>;
  /** The processor, timed per call (the same function when nothing is recorded). */
  timed<P extends RecordProcessorFn | BulkProcessor>(processor: P): P;
  /** The batch ended: written (counted) or released. */
  end(result: BatchEnd, recordCount?: number): void;
  /** The batch failed with `error`; `leaseLost` when another claim owns it now. */
  fail(error: unknown, leaseLost: boolean): void;
}

const NO_BATCH: BatchTrace = {
  run: (work) => work(),
  timed: (processor) => processor,
  end: () => undefined,
  fail: () => undefined,
};

const NO_PREPARE: PrepareTrace = { jobCreated: () => Promise.resolve() };

/** How many jobs' stored trace contexts a worker keeps (read once per job, not per batch). */
const STORED_CONTEXTS_KEPT = 256;

/**
 * The OpenTelemetry side of one importer (issue 29): spans for prepares, batches, finalisations
 * and control calls, and the metrics. Everything goes through `@opentelemetry/api`, loaded on
 * first use; when it is not installed, or `enabled` is false, every method just runs its work.
 */
export class ImportTelemetry {
  private loaded: Promise<OtelInstruments | undefined> | undefined;
  /** The context stored with each job (`propagateContext`), read once per job. */
  private readonly storedContexts = new Map<string, Promise<Context | undefined>>();
  /** `job:completed` summaries emitted in this process, read by the finalize span. */
  private readonly summaries = new Map<string, { summary: JobSummary; reason?: string }>();
  private gauge: PendingRecordsGauge | undefined;

  constructor(
    private readonly options: ResolvedOpenTelemetry,
    private readonly store: DistributedStateStore,
    private readonly events: EventBus,
    private readonly onBackgroundError: (error: unknown) => void,
  ) {}

  /** The instruments, or `undefined` when nothing is recorded. */
  private instruments(): Promise<OtelInstruments | undefined> {
    if (!this.options.enabled) return Promise.resolve(undefined);
    if (this.loaded === undefined && !otelNeeded(this.options)) return Promise.resolve(undefined);
    // Not installed: nothing is recorded. Installed but broken: reported once (the import goes
    // on without telemetry rather than failing over it).
    this.loaded ??= loadOtelApi().then(
      (api) => (api ? this.start(api) : undefined),
      (error: unknown) => {
        this.onBackgroundError(error);
        return undefined;
      },
    );
    return this.loaded;
  }

  private start(api: NonNullable<Awaited<ReturnType<typeof loadOtelApi>>>): OtelInstruments {
    const instruments = new OtelInstruments(api, this.options);
    this.gauge = new PendingRecordsGauge(this.store, instruments.meter, this.onBackgroundError);
    this.events.on('record:retried', (event) => {
      instruments.recordsRetried.add(1, jobAttributes(event.jobId));
    });
    this.events.on('job:completed', (event) => {
      this.summaries.set(event.jobId, {
        summary: event.summary,
        ...(event.reason === undefined ? {} : { reason: event.reason }),
      });
      this.gauge?.forget(event.jobId);
      this.storedContexts.delete(event.jobId);
    });
    return instruments;
  }

  /** The trace context stored with the job, extracted (`propagateContext`), cached per job. */
  private storedContext(o: OtelInstruments, jobId: string): Promise<Context | undefined> {
    const { store } = this;
    if (!this.options.propagateContext || store.getTraceContext === undefined) {
      return Promise.resolve(undefined);
    }
    let stored = this.storedContexts.get(jobId);
    if (stored === undefined) {
      if (this.storedContexts.size >= STORED_CONTEXTS_KEPT) this.storedContexts.clear();
      stored = store.getTraceContext(jobId).then(
        (carrier) => (carrier === null ? undefined : o.extract(carrier)),
        (error: unknown) => {
          // Reported, and read again by the next batch; this one starts in its own context.
          this.storedContexts.delete(jobId);
          this.onBackgroundError(error);
          return undefined;
        },
      );
      this.storedContexts.set(jobId, stored);
    }
    return stored;
  }

  /**
   * Runs a prepare (or `resumePrepare`, `resuming`) in its span `prepare {jobId}`: a new
   * prepare stores its context with the job (`propagateContext`), a resumed one continues the
   * stored trace.
   */
  async prepare<T extends PreparedCounts>(
    jobId: string,
    resuming: boolean,
    sourceBytes: number | undefined,
    work: (trace: PrepareTrace) => Promise<T>,
  ): Promise<T> {
    const o = await this.instruments();
    if (o === undefined) return work(NO_PREPARE);
    const { api } = o;
    const parent =
      (resuming ? await this.storedContext(o, jobId) : undefined) ?? api.context.active();
    const span = o.tracer.startSpan(
      `prepare ${jobId}`,
      {
        kind: api.SpanKind.PRODUCER,
        attributes: {
          ...operationAttributes(jobId, 'prepare', 'send'),
          [ATTR.resumed]: resuming,
          ...(sourceBytes === undefined ? {} : { [ATTR.sourceBytes]: sourceBytes }),
        },
      },
      parent,
    );
    if (resuming) span.addEvent('prepare.takeover');
    const context = api.trace.setSpan(parent, span);
    const trace: PrepareTrace = {
      jobCreated: async () => {
        this.gauge?.watch(jobId);
        if (!this.options.propagateContext || this.store.saveTraceContext === undefined) return;
        await this.store.saveTraceContext(jobId, o.inject(context));
      },
    };
    const started = performance.now();
    try {
      const outcome = await api.context.with(context, () => work(trace));
      this.endPrepare(o, span, jobId, outcome, (performance.now() - started) / 1000);
      return outcome;
    } catch (error) {
      o.failSpan(span, error);
      span.end();
      throw error;
    }
  }

  private endPrepare(
    o: OtelInstruments,
    span: Span,
    jobId: string,
    outcome: PreparedCounts,
    seconds: number,
  ): void {
    span.setAttributes({
      [ATTR.records]: outcome.totalRecords,
      [ATTR.batches]: outcome.totalBatches,
    });
    if (outcome.stoppedBy !== undefined) {
      span.setAttribute(ATTR.stoppedBy, outcome.stoppedBy);
      span.addEvent('prepare.stopped', { [ATTR.stoppedBy]: outcome.stoppedBy });
    }
    if (outcome.existingStatus !== undefined) {
      span.addEvent('prepare.job_exists', { 'batchactions.job.status': outcome.existingStatus });
    }
    span.end();
    if (outcome.existingStatus !== undefined) return;
    const stored = outcome.storedRecords ?? outcome.totalRecords;
    o.prepareRecords.add(stored, jobAttributes(jobId));
    if (seconds > 0 && stored > 0)
      o.prepareThroughput.record(stored / seconds, jobAttributes(jobId));
  }

  /**
   * Called after each stale sweep: `reclaimed` batches went back to PENDING, `quarantined` ones
   * were marked FAILED (their claims used up).
   */
  swept(jobId: string, reclaimed: number, quarantined: number): void {
    if (reclaimed <= 0 && quarantined <= 0) return;
    // A worker's first sweep comes before its first span: the API may still be loading.
    void this.instruments().then((o) => {
      if (o === undefined) return;
      if (reclaimed > 0) o.reclaims.add(reclaimed, jobAttributes(jobId));
      if (quarantined > 0) o.quarantines.add(quarantined, jobAttributes(jobId));
    });
  }

  /**
   * Opens the span `process {jobId}` of a claimed batch: a child of the job's stored context
   * (`propagateContext`), else of the worker's current context.
   */
  async batch(claimed: ClaimedBatch): Promise<BatchTrace> {
    const o = await this.instruments();
    if (o === undefined) return NO_BATCH;
    const { api } = o;
    const { jobId } = claimed;
    o.claims.add(1, jobAttributes(jobId));
    this.gauge?.watch(jobId);
    const parent = (await this.storedContext(o, jobId)) ?? api.context.active();
    const span = o.tracer.startSpan(
      `process ${jobId}`,
      {
        kind: api.SpanKind.CONSUMER,
        attributes: {
          ...operationAttributes(jobId, 'process', 'process'),
          [ATTR.batchIndex]: claimed.batchIndex,
          [ATTR.workerId]: claimed.workerId,
          ...(claimed.attempt === undefined ? {} : { [ATTR.attempt]: claimed.attempt }),
        },
      },
      parent,
    );
    const context = api.trace.setSpan(parent, span);
    const started = performance.now();
    const attributes = jobAttributes(jobId);
    const elapsed = () => (performance.now() - started) / 1000;
    // A batch ends once: an error after its write (a failed finalisation) is not a second end.
    let ended = false;
    return {
      run: (work) => api.context.with(context, work),
      timed: (processor) =>
        o.timesProcessor ? timeProcessor(processor, o, attributes) : processor,
      end: (result) => {
        if (ended) return;
        ended = true;
        span.setAttributes({
          [ATTR.processed]: result.processedCount,
          [ATTR.failed]: result.failedCount,
        });
        if (result.released === true) {
          span.setAttribute(ATTR.released, true);
          span.addEvent('batch.released');
        } else {
          o.recordsProcessed.add(result.processedCount, attributes);
          o.recordsFailed.add(result.failedCount, attributes);
        }
        span.end();
        o.batchDuration.record(elapsed(), { ...attributes, [ATTR.operationName]: 'process' });
      },
      fail: (error, leaseLost) => {
        if (ended) return;
        ended = true;
        if (leaseLost) {
          o.leaseLosses.add(1, attributes);
          span.addEvent('batch.lease_lost');
        }
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

  /**
   * Runs a finalisation attempt; when it finalised the job (`work` resolved true) records the
   * span `finalize {jobId}` with the job's summary. Attempts that find the job unfinished
   * record nothing (no span per batch that was not the last).
   */
  async finalize(jobId: string, workerId: string, work: () => Promise<boolean>): Promise<boolean> {
    const o = await this.instruments();
    if (o === undefined) return work();
    const startTime = Date.now();
    const finalised = await work();
    if (!finalised) return false;
    const { api } = o;
    const active = api.trace.getSpan(api.context.active());
    const parent =
      active === undefined
        ? ((await this.storedContext(o, jobId)) ?? api.context.active())
        : api.context.active();
    const completed = this.summaries.get(jobId);
    this.summaries.delete(jobId);
    const span = o.tracer.startSpan(
      `finalize ${jobId}`,
      {
        kind: api.SpanKind.INTERNAL,
        startTime,
        attributes: {
          ...operationAttributes(jobId, 'finalize', 'settle'),
          [ATTR.workerId]: workerId,
          ...(completed === undefined ? {} : summaryAttributes(completed)),
        },
      },
      parent,
    );
    span.end();
    return true;
  }

  /** Runs a control call (`cancel`, `pause`, `resume`, `purge`, `redrive`...) in its span. */
  async control<T>(operation: string, jobId: string, work: () => Promise<T>): Promise<T> {
    const o = await this.instruments();
    if (o === undefined) return work();
    const { api } = o;
    const span = o.tracer.startSpan(`${operation} ${jobId}`, {
      kind: api.SpanKind.INTERNAL,
      attributes: {
        ...operationAttributes(jobId, operation),
        [ATTR.control]: operation,
      },
    });
    try {
      const result = await api.context.with(api.trace.setSpan(api.context.active(), span), work);
      if (typeof result === 'boolean') span.setAttribute(ATTR.changed, result);
      span.end();
      return result;
    } catch (error) {
      o.failSpan(span, error);
      span.end();
      throw error;
    }
  }
}

function summaryAttributes(completed: { summary: JobSummary; reason?: string }) {
  const { summary, reason } = completed;
  return {
    [ATTR.summaryTotal]: summary.total,
    [ATTR.summaryProcessed]: summary.processed,
    [ATTR.summaryFailed]: summary.failed,
    [ATTR.summarySkipped]: summary.skipped,
    ...(reason === undefined ? {} : { [ATTR.reason]: reason }),
  };
}
