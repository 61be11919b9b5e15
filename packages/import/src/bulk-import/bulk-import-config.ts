import type {
  JobHooks,
  OpenTelemetryOptions,
  ProcessedRecord,
  StateStore,
} from '@batchactions/core';
import type { DuplicateChecker } from '../ports/duplicate-checker';
import type { SchemaDefinition } from '../schema/schema-definition';

/** Configuration of `BulkImport`. Engine options are passed to `BatchEngine` (its defaults). */
export interface BulkImportConfig {
  /** The schema every record is validated against. Required. */
  readonly schema: SchemaDefinition;
  /**
   * Records per batch.
   * @defaultValue `100`
   */
  readonly batchSize?: number;
  /**
   * Batches processed at the same time (records inside a batch stay sequential).
   * @defaultValue `1`
   */
  readonly maxConcurrentBatches?: number;
  /**
   * Keep going after an invalid or failed record; when `false` the first one fails the job.
   * @defaultValue `false`
   */
  readonly continueOnError?: boolean;
  /**
   * Where job, batch and record state is kept.
   * @defaultValue a new `InMemoryStateStore`
   */
  readonly stateStore?: StateStore;
  /**
   * Extra processor attempts per record (validation and hook failures are never retried).
   * @defaultValue `0`
   */
  readonly maxRetries?: number;
  /**
   * Base delay of the exponential retry backoff, in milliseconds.
   * @defaultValue `1000`
   */
  readonly retryDelayMs?: number;
  /**
   * `beforeValidate`, `afterValidate`, `beforeProcess`, `afterProcess`.
   * @defaultValue none
   */
  readonly hooks?: JobHooks;
  /**
   * Checks each valid record against an external system (`EXTERNAL_DUPLICATE`).
   * @defaultValue none
   */
  readonly duplicateChecker?: DuplicateChecker;
  /**
   * Convert values to their field types before `transform` (numeric text → number, yes/no →
   * boolean, …) and reject values that cannot be converted. Off, as published: processors get
   * values as the parser produced them.
   * @defaultValue `false`
   */
  readonly coerceValues?: boolean;
  /**
   * Addition (issue 29). OpenTelemetry spans and metrics of the import, as `BatchEngine`'s
   * option of the same name: a span per run (`run {job}`) and per batch (`process {job}`, never
   * per record), the record, batch and processor metrics, through `@opentelemetry/api` (an
   * optional peer dependency; a no-op until the application registers an SDK). A processor's
   * own spans nest under its batch's span. See docs/opentelemetry.md.
   * @defaultValue `{ enabled: true }`
   */
  readonly openTelemetry?: OpenTelemetryOptions;
}

/** Options of `BulkImport.generateTemplate`. */
export interface GenerateTemplateOptions {
  /**
   * Example rows after the header line.
   * @defaultValue `0` (header only)
   */
  readonly exampleRows?: number;
}

/** What `preview()` found in the first records of the source. */
export interface PreviewResult {
  /** Records that passed validation (`parsed` is the transformed record; warnings kept). */
  readonly validRecords: readonly ProcessedRecord[];
  /** Records with errors (`parsed` is the raw record). */
  readonly invalidRecords: readonly ProcessedRecord[];
  /** Records read, skipped empty rows included. */
  readonly totalSampled: number;
  /** Keys seen after alias resolution, in first-seen order. */
  readonly columns: readonly string[];
}
