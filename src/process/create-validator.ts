import { SchemaValidator, type SchemaDefinition } from '@batchactions/import';

type ValidatorWithOptions = new (
  schema: SchemaDefinition,
  options?: { readonly coerceValues?: boolean },
) => SchemaValidator;

/**
 * The worker's validator: published semantics, with the import package's value coercion only
 * when `coerceValues` is on.
 */
export function createValidator(schema: SchemaDefinition, coerceValues: boolean): SchemaValidator {
  // Typed through the options-taking constructor the import package provides (issue 10).
  const Validator = SchemaValidator as ValidatorWithOptions;
  return new Validator(schema, { coerceValues });
}
