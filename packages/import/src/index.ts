export type {
  CustomValidationResult,
  FieldDefinition,
  FieldType,
  SchemaDefinition,
} from './schema/schema-definition';
export { FIELD_TYPES } from './schema/schema-definition';
export { SchemaValidator } from './schema/schema-validator';
export { UniqueValueTracker, uniqueFieldValues } from './schema/unique-value-tracker';
export type { UniqueFieldValue } from './schema/unique-value-tracker';
export type { SourceParser } from './ports/source-parser';
export type {
  DuplicateChecker,
  DuplicateCheckContext,
  DuplicateCheckResult,
} from './ports/duplicate-checker';
export { CsvParser } from './parsers/csv/csv-parser';
export type { CsvParserOptions } from './parsers/csv/csv-parser-options';
export type { CsvDetection } from './parsers/csv/csv-delimiter-detection';
export { JsonParser } from './parsers/json/json-parser';
export type { JsonFormat, JsonParserOptions } from './parsers/json/json-parser';
export { XmlParser } from './parsers/xml/xml-parser';
export type { XmlParserOptions } from './parsers/xml/xml-parser';
export { CsvColumnCountError, ParseError } from './errors/parse-error';
export type { ParseErrorLocation, ParseFormat } from './errors/parse-error';
export { FieldTransformError } from './errors/field-transform-error';
