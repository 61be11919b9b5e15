import { SchemaValidator, type SchemaDefinition } from '@batchactions/import/validation';

/**
 * The worker's validator: published semantics, with the import package's value coercion only
 * when `coerceValues` is on.
 */
export function createValidator(schema: SchemaDefinition, coerceValues: boolean): SchemaValidator {
  return new SchemaValidator(schema, { coerceValues });
}
