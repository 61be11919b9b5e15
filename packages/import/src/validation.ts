/**
 * Schemas, `SchemaValidator`, value coercion, unique-value tracking and the parse errors, without
 * the parsers: what a process that validates records but never parses a file (a distributed
 * worker) needs. Loading `@batchactions/import` loads the CSV and XML parsers' libraries too
 * (csv-parse, saxes); this entry does not. Its values are the very ones `@batchactions/import`
 * exports (the same classes, `instanceof` holds across the two entries).
 *
 * @module @batchactions/import/validation
 */
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
  DuplicateChecker,
  DuplicateCheckContext,
  DuplicateCheckResult,
} from './ports/duplicate-checker';
export { MALFORMED_ROW_KEY } from './schema/malformed-row';
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
export type { ParseErrorLocation, ParseFormat } from './errors/parse-error';
export { FieldTransformError } from './errors/field-transform-error';
export { ParseResumeError } from './errors/parse-resume-error';
