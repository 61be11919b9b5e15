/**
 * Schemas, `SchemaValidator`, `BulkImport` and the streaming CSV, JSON/NDJSON and XML parsers.
 *
 * @module @batchactions/import
 */
// Schemas, validation, coercion, unique values and the parse errors (published names and
// additions): the `@batchactions/import/validation` entry, which a process that never parses
// loads without the parsers.
export * from './validation';

// Own values and types (published).
export { BulkImport } from './bulk-import/bulk-import';
export type {
  BulkImportConfig,
  GenerateTemplateOptions,
  PreviewResult,
} from './bulk-import/bulk-import-config';
export type {
  ParseCursor,
  ParserOptions,
  SourceParser,
  TrackedRecords,
} from './ports/source-parser';
export { CsvParser } from './parsers/csv/csv-parser';
export type { CsvParserOptions, MalformedRowsMode } from './parsers/csv/csv-parser-options';
export type { CsvDetection } from './parsers/csv/csv-delimiter-detection';
export { JsonParser } from './parsers/json/json-parser';
export type { JsonFormat, JsonParserOptions } from './parsers/json/json-parser';
export { XmlParser } from './parsers/xml/xml-parser';
export type { XmlParserOptions } from './parsers/xml/xml-parser';

// Additions.
export { DAMAGED_ROWS_SAMPLE } from './parsers/csv/csv-damage-scanner';
export type {
  CsvDamageKind,
  CsvDamagedRow,
  DamagedRowsReport,
} from './parsers/csv/csv-damage-scanner';
export { DEFAULT_MAX_DEPTH, DEFAULT_MAX_RECORD_BYTES } from './parsers/csv/csv-parser-options';

// Re-exported from @batchactions/core (published list).
export {
  JobStatus,
  BatchStatus,
  hasErrors,
  getWarnings,
  getErrors,
  validResult,
  invalidResult,
  isEmptyRow,
  BufferSource,
  FilePathSource,
  StreamSource,
  UrlSource,
  InMemoryStateStore,
  FileStateStore,
  BatchEngine,
  BatchSplitter,
} from '@batchactions/core';
export type {
  RawRecord,
  ParsedRecord,
  ProcessedRecord,
  RecordStatus,
  JobState,
  JobConfig,
  JobProgress,
  JobSummary,
  Batch,
  ValidationResult,
  ValidationError,
  ValidationErrorCode,
  ErrorSeverity,
  ErrorCategory,
  DataSource,
  StateStore,
  RecordProcessorFn,
  ProcessingContext,
  JobHooks,
  HookContext,
  DomainEvent,
  EventType,
  EventPayload,
  JobStartedEvent,
  JobCompletedEvent,
  JobPausedEvent,
  JobAbortedEvent,
  JobFailedEvent,
  JobProgressEvent,
  BatchStartedEvent,
  BatchCompletedEvent,
  BatchFailedEvent,
  RecordProcessedEvent,
  RecordFailedEvent,
  RecordRetriedEvent,
  ChunkCompletedEvent,
  ChunkOptions,
  ChunkResult,
  JobStatusResult,
} from '@batchactions/core';
