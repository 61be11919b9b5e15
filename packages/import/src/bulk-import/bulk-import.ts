import {
  BatchEngine,
  StreamSource,
  type Batch,
  type BatchEngineConfig,
  type ChunkOptions,
  type ChunkResult,
  type DataSource,
  type DomainEvent,
  type EventHandler,
  type EventType,
  type JobProgress,
  type JobStatus,
  type ProcessedRecord,
  type RecordProcessorFn,
} from '@batchactions/core';
import type { SourceParser } from '../ports/source-parser';
import type { SchemaDefinition } from '../schema/schema-definition';
import { SchemaValidator } from '../schema/schema-validator';
import type {
  BulkImportConfig,
  GenerateTemplateOptions,
  PreviewResult,
} from './bulk-import-config';
import { buildImportHooks } from './duplicate-check-hooks';
import { generateTemplate } from './generate-template';
import { importValidation, type TransformedByErrors } from './import-validation';
import { previewRecords } from './preview';
import { ReplayableStream } from './replayable-stream';
import { UniqueValueRegistry } from './unique-value-registry';

/** Published defect 12 fixed: the core message names `.fromRecords()`, which BulkImport lacks. */
const NO_SOURCE = 'Source and parser must be configured. Call .from(source, parser) first.';

const NO_STORE_TO_RESTORE =
  'A stateStore is required to restore a job. Provide the same StateStore used when the job was created.';

/**
 * A whole import in one process: schema validation (aliases, transforms, defaults, uniqueness,
 * strict mode), an optional external duplicate checker, hooks, preview, template generation,
 * start / pause / resume / abort and chunked runs with `restore()`. Wraps `BatchEngine`; events,
 * their order and payloads are the engine's.
 */
export class BulkImport {
  private engine: BatchEngine;
  private readonly validator: SchemaValidator;
  private readonly registry: UniqueValueRegistry;
  private readonly transformedByErrors: TransformedByErrors = new WeakMap();
  private source: DataSource | undefined;
  private parser: SourceParser | undefined;
  private replay: ReplayableStream | undefined;

  constructor(private readonly config: BulkImportConfig) {
    this.validator = new SchemaValidator(config.schema, {
      coerceValues: config.coerceValues === true,
    });
    this.registry = new UniqueValueRegistry(this.validator);
    this.engine = this.attach(new BatchEngine(this.engineConfig()));
  }

  /**
   * Loads a job saved in `config.stateStore` (`null` when it is not there), with a fresh
   * validator for `config.schema`. Call `from()` again before `start()` / `processChunk()`.
   */
  static async restore(jobId: string, config: BulkImportConfig): Promise<BulkImport | null> {
    if (config.stateStore === undefined) throw new Error(NO_STORE_TO_RESTORE);
    if ((await config.stateStore.getJobState(jobId)) === null) return null;
    const bulk = new BulkImport(config);
    const engine = await BatchEngine.restore(jobId, bulk.engineConfig());
    if (engine === null) return null;
    bulk.engine = bulk.attach(engine);
    return bulk;
  }

  /** A CSV template for `schema`: header line plus `exampleRows` example rows (see README). */
  static generateTemplate(schema: SchemaDefinition, options?: GenerateTemplateOptions): string {
    return generateTemplate(schema, options);
  }

  /** Sets the input. Returns `this`. */
  from(source: DataSource, parser: SourceParser): this {
    this.source = source;
    this.parser = parser;
    this.replay = undefined;
    this.engine.from(source, parser);
    return this;
  }

  on<T extends EventType>(type: T, handler: EventHandler<T>): this {
    this.engine.on(type, handler);
    return this;
  }

  /** Removes a handler added with `on()` (an addition). */
  off<T extends EventType>(type: T, handler: EventHandler<T>): this {
    this.engine.off(type, handler);
    return this;
  }

  onAny(handler: (event: DomainEvent) => void): this {
    this.engine.onAny(handler);
    return this;
  }

  offAny(handler: (event: DomainEvent) => void): this {
    this.engine.offAny(handler);
    return this;
  }

  /**
   * Validates the first `maxRecords` records (default 10) without processing them: no hooks,
   * events, store writes or duplicate checks. A `StreamSource` can still be started afterwards.
   */
  async preview(maxRecords = 10): Promise<PreviewResult> {
    const { source, parser } = this;
    if (source === undefined || parser === undefined) throw new Error(NO_SOURCE);
    if (!(source instanceof StreamSource)) {
      return previewRecords(source, parser, this.validator, maxRecords);
    }
    const replay = (this.replay ??= new ReplayableStream(source));
    const result = await previewRecords(replay, parser, this.validator, maxRecords);
    const replayOnce: DataSource = {
      read: () => replay.readOnce(),
      sample: (maxBytes) => replay.sample(maxBytes),
      metadata: () => replay.metadata(),
    };
    this.engine.from(replayOnce, parser);
    return result;
  }

  /** Counts the source's records without processing them. */
  count(): Promise<number> {
    if (this.source === undefined) return Promise.reject(new Error(NO_SOURCE));
    return this.engine.count();
  }

  /** Runs the whole import; resolves when it completes, fails (`job:failed`) or is aborted. */
  start(processor: RecordProcessorFn): Promise<void> {
    if (this.source === undefined) return Promise.reject(new Error(NO_SOURCE));
    return this.engine.start(processor);
  }

  /** Processes batches until a limit of `options` is reached, then pauses (see README). */
  processChunk(processor: RecordProcessorFn, options?: ChunkOptions): Promise<ChunkResult> {
    if (this.source === undefined) return Promise.reject(new Error(NO_SOURCE));
    return this.engine.processChunk(processor, options);
  }

  pause(): Promise<void> {
    return this.engine.pause();
  }

  resume(): void {
    this.engine.resume();
  }

  abort(): Promise<void> {
    return this.engine.abort();
  }

  getStatus(): {
    status: JobStatus;
    state: JobStatus;
    progress: JobProgress;
    batches: readonly Batch[];
  } {
    return this.engine.getStatus();
  }

  getFailedRecords(): Promise<readonly ProcessedRecord[]> {
    return this.engine.getFailedRecords();
  }

  /** Always `[]` (published). */
  getPendingRecords(): readonly ProcessedRecord[] {
    return this.engine.getPendingRecords();
  }

  getJobId(): string {
    return this.engine.getJobId();
  }

  private engineConfig(): BatchEngineConfig {
    const { config } = this;
    const hooks = buildImportHooks({
      hooks: config.hooks,
      checker: config.duplicateChecker,
      transformedByErrors: this.transformedByErrors,
      registry: this.registry,
    });
    return {
      batchSize: config.batchSize,
      maxConcurrentBatches: config.maxConcurrentBatches,
      continueOnError: config.continueOnError,
      stateStore: config.stateStore,
      maxRetries: config.maxRetries,
      retryDelayMs: config.retryDelayMs,
      skipEmptyRows: config.schema.skipEmptyRows,
      validate: importValidation(this.validator, this.registry, this.transformedByErrors),
      ...(hooks === undefined ? {} : { hooks }),
      ...(config.openTelemetry === undefined ? {} : { openTelemetry: config.openTelemetry }),
    };
  }

  /** Releases the unique values of records whose processing failed (defect 6). */
  private attach(engine: BatchEngine): BatchEngine {
    engine.on('record:failed', (event) => {
      if (event.record.status === 'failed') this.registry.release(event.record.parsed);
    });
    return engine;
  }
}
