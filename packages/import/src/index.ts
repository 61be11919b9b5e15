/**
 * Schemas, `SchemaValidator`, `BulkImport` and the streaming CSV, JSON/NDJSON and XML parsers.
 *
 * @module @batchactions/import
 */
// Own values and types (published).
export { BulkImport } from './bulk-import/bulk-import';
export type {
  BulkImportConfig,
  GenerateTemplateOptions,
  PreviewResult,
} from './bulk-import/bulk-import-config';
export { SchemaValidator } from './schema/schema-validator';
export type { SchemaValidatorOptions } from './schema/schema-validator';
export type {
  CustomValidationResult,
  FieldDefinition,
  FieldType,
  SchemaDefinition,
  ValidationFieldResult,
} from './schema/schema-definition';
export { FIELD_TYPES } from './schema/schema-definition';
export type {
  ParseCursor,
  ParserOptions,
  SourceParser,
  TrackedRecords,
} from './ports/source-parser';
export type {
  DuplicateChecker,
  DuplicateCheckContext,
  DuplicateCheckResult,
} from './ports/duplicate-checker';
export { CsvParser } from './parsers/csv/csv-parser';
export type { CsvParserOptions, MalformedRowsMode } from './parsers/csv/csv-parser-options';
export { MALFORMED_ROW_KEY } from './schema/malformed-row';
export type { CsvDetection } from './parsers/csv/csv-delimiter-detection';
export { JsonParser } from './parsers/json/json-parser';
export type { JsonFormat, JsonParserOptions } from './parsers/json/json-parser';
export { XmlParser } from './parsers/xml/xml-parser';
export type { XmlParserOptions } from './parsers/xml/xml-parser';

// Additions.
export { coerceFieldValue, coerceRecordValues } from './schema/value-coercion';
export type { CoercionResult } from './schema/value-coercion';
export { UniqueValueTracker, uniqueFieldValues } from './schema/unique-value-tracker';
export type { UniqueFieldValue } from './schema/unique-value-tracker';
export {
  CsvColumnCountError,
  CsvDamagedRowError,
  NestingTooDeepError,
  NotTextError,
  ParseError,
  RecordTooLargeError,
} from './errors/parse-error';
export { DAMAGED_ROWS_SAMPLE } from './parsers/csv/csv-damage-scanner';
export type {
  CsvDamageKind,
  CsvDamagedRow,
  DamagedRowsReport,
} from './parsers/csv/csv-damage-scanner';
export { DEFAULT_MAX_DEPTH, DEFAULT_MAX_RECORD_BYTES } from './parsers/csv/csv-parser-options';
export type { ParseErrorLocation, ParseFormat } from './errors/parse-error';
export { FieldTransformError } from './errors/field-transform-error';
export { ParseResumeError } from './errors/parse-resume-error';

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
