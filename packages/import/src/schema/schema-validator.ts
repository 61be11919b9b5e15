import { MALFORMED_ROW_KEY, malformedRowError } from './malformed-row';
import {
  invalidResult,
  isEmptyRow,
  validResult,
  type RawRecord,
  type ValidationError,
  type ValidationResult,
} from '@batchactions/core';
import { FieldTransformError } from '../errors/field-transform-error';
import { isEmptyValue } from './empty-value';
import { defineField, FieldAliasResolver } from './field-alias-resolver';
import { assertUsableSchema } from './schema-check';
import type { FieldDefinition, SchemaDefinition, ValidationFieldResult } from './schema-definition';
import { splitArrayValue } from './split-array-value';
import { coerceFieldValue } from './value-coercion';
import { passesTypeCheck, TYPE_MISMATCH_TEXT } from './value-type-checks';

/** Options of `SchemaValidator` beyond the published constructor. */
export interface SchemaValidatorOptions {
  /**
   * Convert values to their field's type in `applyTransforms` (numeric text → number, yes/no →
   * boolean, …; see `coerceFieldValue`), before `transform`, and make `validate` reject values
   * that cannot be converted. Off, as published: values reach the processor as parsed.
   * @defaultValue `false`
   */
  readonly coerceValues?: boolean;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Applies a schema to records: `resolveAliases`, `applyTransforms`, `validate` and
 * `validateUniqueness`, chained by the caller in that order. Stateless apart from the alias table
 * built here.
 */
export class SchemaValidator {
  private readonly schema: SchemaDefinition;
  private readonly fields: readonly FieldDefinition[];
  private readonly fieldNames: ReadonlySet<string>;
  private readonly aliases: FieldAliasResolver;
  private readonly coerce: boolean;

  constructor(schema: SchemaDefinition, options: SchemaValidatorOptions = {}) {
    assertUsableSchema(schema);
    this.schema = schema;
    this.fields = schema.fields;
    this.fieldNames = new Set(schema.fields.map((field) => field.name));
    this.aliases = new FieldAliasResolver(schema.fields);
    this.coerce = options.coerceValues === true;
  }

  /** `schema.skipEmptyRows`, default `false`. */
  get skipEmptyRows(): boolean {
    return this.schema.skipEmptyRows ?? false;
  }

  /** True when some alias adds a name beyond the fields' own names. */
  get hasAliases(): boolean {
    return this.aliases.hasAliases;
  }

  /** True when `schema.uniqueFields` has at least one entry. */
  get hasUniqueFields(): boolean {
    return (this.schema.uniqueFields?.length ?? 0) > 0;
  }

  /** `schema.uniqueFields` (an addition; `[]` when none). */
  get uniqueFields(): readonly string[] {
    return this.schema.uniqueFields ?? [];
  }

  /** Whether `coerceValues` is on (an addition). */
  get coercesValues(): boolean {
    return this.coerce;
  }

  /** Core `isEmptyRow`: every value `undefined`, `null` or `''`. */
  isEmptyRow(record: RawRecord): boolean {
    return isEmptyRow(record);
  }

  /** A new record with alias and case-variant keys renamed to field names (see README). */
  resolveAliases(record: RawRecord): RawRecord {
    return this.aliases.resolve(record);
  }

  /**
   * Addition: as `resolveAliases`, but `record` itself when no key would be renamed or dropped
   * (for callers that copy the record before changing it, such as `applyTransforms`).
   */
  resolveAliasesShared(record: RawRecord): RawRecord {
    return this.aliases.resolveShared(record);
  }

  /**
   * A shallow copy where, per field in schema order: a string value of an `array` field is split
   * (trimmed, empty items dropped, `itemTransform` applied); with `coerceValues` the value is
   * converted to its type; `transform` rewrites any value that is not `undefined`; an `undefined`
   * value takes `defaultValue` as-is. Throws `FieldTransformError` when `transform` or
   * `itemTransform` throws.
   */
  applyTransforms(record: RawRecord): RawRecord {
    const out: RawRecord = { ...record };
    for (const field of this.fields) {
      let value = out[field.name];
      if (field.type === 'array' && typeof value === 'string') {
        value = splitArrayValue(field, value);
      }
      if (this.coerce && !isEmptyValue(value)) value = this.coerced(field, value);
      if (field.transform !== undefined && value !== undefined) {
        try {
          value = field.transform(value);
        } catch (error: unknown) {
          throw new FieldTransformError(field.name, value, error);
        }
      }
      if (value === undefined && field.defaultValue !== undefined) {
        value = this.coerce ? this.coerced(field, field.defaultValue) : field.defaultValue;
      }
      if (value !== undefined || Object.hasOwn(out, field.name))
        defineField(out, field.name, value);
    }
    return out;
  }

  private coerced(field: FieldDefinition, value: unknown): unknown {
    const result = coerceFieldValue(field, value);
    return result.coerced ? result.value : value;
  }

  /**
   * Checks a record per field in schema order (`REQUIRED`, `TYPE_MISMATCH`, `PATTERN_MISMATCH`,
   * `CUSTOM_VALIDATION`), then strict-mode `UNKNOWN_FIELD`; a record a parser marked malformed
   * (`__row_error`, see `CsvParser`'s `malformedRows`) gets a `MALFORMED_ROW` error first. `isValid` is `false` whenever any
   * entry exists, warnings included. No alias resolution, transforms or uniqueness here.
   */
  validate(record: RawRecord): ValidationResult {
    const errors: ValidationError[] = [];
    const malformed = malformedRowError(record);
    if (malformed !== undefined) errors.push(malformed);
    for (const field of this.fields) {
      const error = this.checkField(field, record);
      if (error !== undefined) errors.push(error);
    }
    if (this.schema.strict === true) {
      for (const key of Object.keys(record)) {
        if (this.fieldNames.has(key) || key === MALFORMED_ROW_KEY) continue;
        errors.push({
          field: key,
          message: `Unknown field '${key}' is not allowed in strict mode`,
          code: 'UNKNOWN_FIELD',
          value: record[key],
          category: 'VALIDATION',
        });
      }
    }
    return errors.length === 0 ? validResult() : invalidResult(errors);
  }

  private checkField(field: FieldDefinition, record: RawRecord): ValidationError | undefined {
    const { name } = field;
    const value = record[name];
    if (isEmptyValue(value)) {
      if (field.required !== true) return undefined;
      return {
        field: name,
        message: `Field '${name}' is required`,
        code: 'REQUIRED',
        value,
        category: 'VALIDATION',
      };
    }
    if (!this.matchesType(field, value)) {
      return {
        field: name,
        message: `Field '${name}' ${TYPE_MISMATCH_TEXT[field.type]}`,
        code: 'TYPE_MISMATCH',
        value,
        category: 'FORMAT',
      };
    }
    const { pattern } = field;
    if (pattern !== undefined) {
      pattern.lastIndex = 0; // a `g`/`y` pattern would otherwise alternate between results
      if (!pattern.test(String(value))) {
        return {
          field: name,
          message: `Field '${name}' does not match pattern ${String(pattern)}`,
          code: 'PATTERN_MISMATCH',
          value,
          category: 'FORMAT',
        };
      }
    }
    return field.customValidator === undefined
      ? undefined
      : runCustomValidator(field, field.customValidator, value, record);
  }

  private matchesType(field: FieldDefinition, value: unknown): boolean {
    if (!passesTypeCheck(field.type, value)) return false;
    return !this.coerce || coerceFieldValue(field, value).coerced;
  }

  /**
   * `DUPLICATE_VALUE` errors for `uniqueFields` values already in `seenValues`, registering the
   * new ones (mutates `seenValues`). Strings compare case-insensitively; empty values are skipped.
   */
  validateUniqueness(record: RawRecord, seenValues: Map<string, Set<unknown>>): ValidationError[] {
    const errors: ValidationError[] = [];
    for (const field of this.schema.uniqueFields ?? []) {
      const value = record[field];
      if (isEmptyValue(value)) continue;
      let seen = seenValues.get(field);
      if (seen === undefined) {
        seen = new Set();
        seenValues.set(field, seen);
      }
      const key = typeof value === 'string' ? value.toLowerCase() : value;
      if (seen.has(key)) {
        errors.push({
          field,
          message: `Duplicate value '${String(value)}' for unique field '${field}'`,
          code: 'DUPLICATE_VALUE',
          value,
          category: 'DUPLICATE',
        });
      } else {
        seen.add(key);
      }
    }
    return errors;
  }
}

function runCustomValidator(
  field: FieldDefinition,
  validator: NonNullable<FieldDefinition['customValidator']>,
  value: unknown,
  record: RawRecord,
): ValidationError | undefined {
  // Typed as unknown: plain-JS validators may return anything.
  let result: unknown;
  try {
    result = validator(value, record);
  } catch (error: unknown) {
    return {
      field: field.name,
      message: `Custom validator of field '${field.name}' threw: ${describe(error)}`,
      code: 'CUSTOM_VALIDATION',
      value,
      category: 'CUSTOM',
    };
  }
  if (typeof result !== 'object' || result === null) {
    return {
      field: field.name,
      message: `Custom validator of field '${field.name}' returned ${String(result)} instead of { valid }`,
      code: 'CUSTOM_VALIDATION',
      value,
      category: 'CUSTOM',
    };
  }
  const answer = result as ValidationFieldResult;
  if (answer.valid) return undefined;
  return {
    field: field.name,
    message: answer.message ?? `Custom validation failed for field '${field.name}'`,
    code: 'CUSTOM_VALIDATION',
    value,
    category: 'CUSTOM',
    severity: answer.severity,
    suggestion: answer.suggestion,
    metadata: answer.metadata,
  };
}
