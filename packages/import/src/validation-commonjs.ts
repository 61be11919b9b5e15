/**
 * `@batchactions/import/validation` for `require()`: the very values of the main entry (one copy
 * of each class, `instanceof` holds across the two entries). A CommonJS process loads the
 * parsers' libraries with it; the ESM build of this entry (`validation.ts`) does not.
 *
 * @module @batchactions/import/validation
 */
export {
  SchemaValidator,
  FIELD_TYPES,
  MALFORMED_ROW_KEY,
  coerceFieldValue,
  coerceRecordValues,
  UniqueValueTracker,
  uniqueFieldValues,
  CsvColumnCountError,
  CsvDamagedRowError,
  NestingTooDeepError,
  NotTextError,
  ParseError,
  RecordTooLargeError,
  FieldTransformError,
  ParseResumeError,
} from '@batchactions/import';
export type {
  SchemaValidatorOptions,
  CustomValidationResult,
  FieldDefinition,
  FieldType,
  SchemaDefinition,
  ValidationFieldResult,
  DuplicateChecker,
  DuplicateCheckContext,
  DuplicateCheckResult,
  CoercionResult,
  UniqueFieldValue,
  ParseErrorLocation,
  ParseFormat,
} from '@batchactions/import';
