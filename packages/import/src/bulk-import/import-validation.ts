import {
  hasErrors,
  invalidResult,
  validResult,
  type RawRecord,
  type ValidationError,
  type ValidationResult,
} from '@batchactions/core';
import { FieldTransformError } from '../errors/field-transform-error';
import type { SchemaValidator } from '../schema/schema-validator';
import type { UniqueValueRegistry } from './unique-value-registry';

/**
 * Remembers the transformed record of each validation result that carries findings, keyed by
 * the result's `errors` array (which the engine hands to `afterValidate` on the temporary
 * record), so the duplicate checker gets transformed data for warnings-only records too.
 */
export type TransformedByErrors = WeakMap<readonly ValidationError[], RawRecord>;

function transformFailure(error: FieldTransformError): ValidationError {
  return {
    field: error.field,
    message: error.message,
    code: 'CUSTOM_VALIDATION',
    value: error.value,
    category: 'CUSTOM',
  };
}

/**
 * The engine's `validate` for `BulkImport` (published §4.2, defects 2, 3 and 16 fixed): aliases →
 * transforms → schema → uniqueness (only without hard errors). The transformed record is returned
 * as `parsed` in every case, so warnings-only records and records whose errors an `afterValidate`
 * hook clears are processed with transformed data; a throwing `transform`/`itemTransform` makes
 * the record invalid instead of failing the job.
 */
export function importValidation(
  validator: SchemaValidator,
  registry: UniqueValueRegistry,
  transformedByErrors: TransformedByErrors,
): (record: RawRecord) => ValidationResult {
  return (record) => {
    let transformed: RawRecord;
    try {
      transformed = validator.applyTransforms(validator.resolveAliases(record));
    } catch (error: unknown) {
      if (error instanceof FieldTransformError) return invalidResult([transformFailure(error)]);
      throw error;
    }
    const result = validator.validate(transformed);
    let errors = result.errors;
    if (!hasErrors(errors)) {
      const duplicates = registry.check(transformed);
      if (duplicates.length > 0) errors = [...errors, ...duplicates];
    }
    if (errors.length === 0) return validResult(transformed);
    transformedByErrors.set(errors, transformed);
    return { isValid: false, errors, parsed: transformed };
  };
}
