import { InvalidOptionError } from '@batchactions/core';
import { FIELD_TYPES, type SchemaDefinition } from './schema-definition';

const FIELD_TYPE_SET: ReadonlySet<string> = new Set(FIELD_TYPES);
const FUNCTION_OPTIONS = ['customValidator', 'transform', 'itemTransform'] as const;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

/**
 * Rejects schemas no run could use, with an `InvalidOptionError` naming the option: not an
 * object, `fields` not an array, a field without a string `name`, an unknown `type`, a `pattern`
 * that is not a RegExp, a function option that is not a function. Everything the published
 * package accepts and runs (duplicate names, alias collisions, no fields) is accepted.
 */
export function assertUsableSchema(schema: SchemaDefinition): void {
  const candidate: unknown = schema;
  if (!isObject(candidate)) {
    throw new InvalidOptionError('schema', candidate, 'an object with a "fields" array');
  }
  if (!Array.isArray(candidate.fields)) {
    throw new InvalidOptionError(
      'schema.fields',
      candidate.fields,
      'an array of field definitions',
    );
  }
  (candidate.fields as unknown[]).forEach((field, index) => {
    const path = `schema.fields[${index}]`;
    if (!isObject(field)) throw new InvalidOptionError(path, field, 'a field definition object');
    if (typeof field.name !== 'string') {
      throw new InvalidOptionError(`${path}.name`, field.name, 'a string');
    }
    if (typeof field.type !== 'string' || !FIELD_TYPE_SET.has(field.type)) {
      throw new InvalidOptionError(`${path}.type`, field.type, `one of ${FIELD_TYPES.join(', ')}`);
    }
    if (field.pattern !== undefined && !(field.pattern instanceof RegExp)) {
      throw new InvalidOptionError(`${path}.pattern`, field.pattern, 'a RegExp');
    }
    for (const option of FUNCTION_OPTIONS) {
      if (field[option] !== undefined && typeof field[option] !== 'function') {
        throw new InvalidOptionError(`${path}.${option}`, field[option], 'a function');
      }
    }
    if (field.aliases !== undefined && !Array.isArray(field.aliases)) {
      throw new InvalidOptionError(`${path}.aliases`, field.aliases, 'an array of strings');
    }
  });
}
