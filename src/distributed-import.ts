import {
  EventBus,
  JobNotFoundError,
  type AnyEventHandler,
  type DataSource,
  type DistributedStateStore,
  type EventHandler,
  type EventType,
  type JobConfig,
  type RecordProcessorFn,
} from '@batchactions/core';
import { SchemaValidator, type SchemaDefinition, type SourceParser } from '@batchactions/import';
import { resolveConfig, type DistributedBatchConfig, type DistributedImportConfig } from './config';
import { prepareJob, type PrepareResult } from './prepare/prepare-job';
import {
  processBatch,
  type DistributedBatchResult,
  type ProcessWorkerBatchOptions,
} from './process/process-batch';

/** The schema as kept with the job: field names, types and flags (functions and patterns dropped). */
function describeSchema(schema: SchemaDefinition): unknown {
  return {
    fields: schema.fields.map((f) => ({
      name: f.name,
      type: f.type,
      required: f.required ?? false,
    })),
    strict: schema.strict ?? false,
    skipEmptyRows: schema.skipEmptyRows ?? false,
    uniqueFields: schema.uniqueFields ?? [],
  };
}

/**
 * Imports a source with many workers. `prepare` runs once (an orchestrator); `processWorkerBatch`
 * runs in any number of workers, on any machines that share the state store.
 */
export class DistributedImport {
  private readonly store: DistributedStateStore;
  private readonly batchConfig: DistributedBatchConfig;
  private readonly validator: SchemaValidator;
  private readonly events: EventBus;
  private readonly totals = new Map<string, number>();

  constructor(private readonly config: DistributedImportConfig) {
    const resolved = resolveConfig(config);
    this.store = resolved.store;
    this.batchConfig = resolved.batch;
    this.validator = new SchemaValidator(config.schema);
    this.events = new EventBus(
      config.onHandlerError ? { onHandlerError: config.onHandlerError } : {},
    );
  }

  /** The processing settings in force, defaults filled in. */
  get settings(): DistributedBatchConfig {
    return this.batchConfig;
  }

  /**
   * Phase 1: streams `source` through `parser` once, stores the records in batches, and opens the
   * job to workers. Returns the job id to hand to workers.
   */
  prepare(source: DataSource, parser: SourceParser): Promise<PrepareResult> {
    const jobConfig: JobConfig = {
      batchSize: this.batchConfig.batchSize,
      continueOnError: this.batchConfig.continueOnError,
      maxRetries: this.batchConfig.maxRetries,
      retryDelayMs: this.batchConfig.retryDelayMs,
      schema: describeSchema(this.config.schema),
    };
    return prepareJob(
      {
        store: this.store,
        validator: this.validator,
        batchSize: this.batchConfig.batchSize,
        jobConfig,
        events: this.events,
      },
      source,
      parser,
    );
  }

  /**
   * Phase 2: claims the job's next batch, runs every record through validation, hooks and
   * `processor`, writes the results, and finalises the job when it was the last batch.
   * Call it in a loop until `claimed` is false or `jobComplete` is true.
   */
  processWorkerBatch(
    jobId: string,
    processor: RecordProcessorFn,
    workerId: string,
    options?: ProcessWorkerBatchOptions,
  ): Promise<DistributedBatchResult> {
    return processBatch(
      {
        store: this.store,
        config: this.batchConfig,
        validator: this.validator,
        hooks: this.config.hooks ?? {},
        duplicateChecker: this.config.duplicateChecker,
        events: this.events,
        totalRecordsOf: (id) => this.totalRecordsOf(id),
      },
      jobId,
      processor,
      workerId,
      options,
    );
  }

  /** Subscribes to one event type. Chainable. */
  on<T extends EventType>(type: T, handler: EventHandler<T>): this {
    this.events.on(type, handler);
    return this;
  }

  /** Unsubscribes a handler of one event type. Chainable. */
  off<T extends EventType>(type: T, handler: EventHandler<T>): this {
    this.events.off(type, handler);
    return this;
  }

  /** Subscribes to every event. Chainable. */
  onAny(handler: AnyEventHandler): this {
    this.events.onAny(handler);
    return this;
  }

  /** Unsubscribes a wildcard handler. Chainable. */
  offAny(handler: AnyEventHandler): this {
    this.events.offAny(handler);
    return this;
  }

  private async totalRecordsOf(jobId: string): Promise<number> {
    const cached = this.totals.get(jobId);
    if (cached !== undefined) return cached;
    const job = await this.store.getJobState(jobId);
    if (!job) throw new JobNotFoundError(jobId);
    this.totals.set(jobId, job.totalRecords);
    return job.totalRecords;
  }
}
