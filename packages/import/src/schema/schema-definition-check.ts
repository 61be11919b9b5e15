import { InvalidOptionError } from '@batchactions/core';
import { FIELD_TYPES, type FieldDefinition, type SchemaDefinition } from './schema-definition';

const FIELD_TYPE_SET: ReadonlySet<string> = new Set(FIELD_TYPES);

/** Names that would corrupt plain-object records if used as keys. */
const FORBIDDEN_NAMES: ReadonlySet<string> = new Set(['__proto__']);

function fieldPath(index: number, field?: FieldDefinition): string {
  const name =
    typeof field?.name === 'string' && field.name.trim() !== '' ? ` ("${field.name}")` : '';
  return `schema.fields[${index}]${name}`;
}

function checkOptionalFunction(value: unknown, option: string): void {
  if (value !== undefined && typeof value !== 'function') {
    throw new InvalidOptionError(option, value, 'a function');
  }
}

function checkFieldShape(field: FieldDefinition, index: number): void {
  const path = fieldPath(index, field);
  if (typeof field.name !== 'string' || field.name.trim() === '') {
    throw new InvalidOptionError(`${path}.name`, field.name, 'a non-empty field name');
  }
  if (FORBIDDEN_NAMES.has(field.name)) {
    throw new InvalidOptionError(`${path}.name`, field.name, 'a name other than "__proto__"');
  }
  if (!FIELD_TYPE_SET.has(field.type)) {
    throw new InvalidOptionError(`${path}.type`, field.type, `one of ${FIELD_TYPES.join(', ')}`);
  }
  if (field.pattern !== undefined && !(field.pattern instanceof RegExp)) {
    throw new InvalidOptionError(`${path}.pattern`, field.pattern, 'a RegExp');
  }
  checkOptionalFunction(field.customValidator, `${path}.customValidator`);
  checkOptionalFunction(field.transform, `${path}.transform`);
  checkOptionalFunction(field.itemTransform, `${path}.itemTransform`);
  if (
    field.separator !== undefined &&
    (typeof field.separator !== 'string' || field.separator === '')
  ) {
    throw new InvalidOptionError(`${path}.separator`, field.separator, 'a non-empty string');
  }
  if (field.aliases !== undefined) {
    if (!Array.isArray(field.aliases)) {
      throw new InvalidOptionError(`${path}.aliases`, field.aliases, 'an array of strings');
    }
    field.aliases.forEach((alias: unknown, aliasIndex) => {
      if (typeof alias !== 'string' || alias.trim() === '') {
        throw new InvalidOptionError(`${path}.aliases[${aliasIndex}]`, alias, 'a non-empty string');
      }
    });
  }
}

/** Checks that no two fields share a name or an alias (case-insensitively). */
function checkNameClashes(fields: readonly FieldDefinition[]): void {
  const owners = new Map<string, { index: number; name: string }>();
  const claim = (key: string, index: number, option: string, value: string): void => {
    const lower = key.toLowerCase();
    const owner = owners.get(lower);
    if (owner === undefined) {
      owners.set(lower, { index, name: key });
      return;
    }
    if (owner.index === index) return; // a field may repeat its own name as an alias
    throw new InvalidOptionError(
      option,
      value,
      `a name not already used (names and aliases are matched case-insensitively) but "${owner.name}" already belongs to ${fieldPath(owner.index, fields[owner.index])}`,
    );
  };
  // Names first, so an alias that clashes with a later field's name is reported on the alias.
  fields.forEach((field, index) => {
    claim(field.name, index, `${fieldPath(index, field)}.name`, field.name);
  });
  fields.forEach((field, index) => {
    field.aliases?.forEach((alias, aliasIndex) => {
      claim(alias, index, `${fieldPath(index, field)}.aliases[${aliasIndex}]`, alias);
    });
  });
}

/**
 * Validates a schema definition itself, throwing `InvalidOptionError` naming the offending
 * field and option: empty or duplicate names, unknown types, alias clashes, bad option types,
 * `uniqueFields` naming an unknown field.
 */
export function assertValidSchema(schema: SchemaDefinition): void {
  const candidate: unknown = schema; // callers in plain JS may pass anything
  if (typeof candidate !== 'object' || candidate === null) {
    throw new InvalidOptionError('schema', candidate, 'an object with a "fields" array');
  }
  const fields: unknown = schema.fields;
  if (!Array.isArray(fields) || fields.length === 0) {
    throw new InvalidOptionError('schema.fields', fields, 'a non-empty array of field definitions');
  }
  const definitions = fields as readonly unknown[];
  definitions.forEach((field, index) => {
    if (typeof field !== 'object' || field === null) {
      throw new InvalidOptionError(`schema.fields[${index}]`, field, 'a field definition object');
    }
    checkFieldShape(field as FieldDefinition, index);
  });
  checkNameClashes(schema.fields);
  for (const option of ['strict', 'skipEmptyRows'] as const) {
    const value = schema[option];
    if (value !== undefined && typeof value !== 'boolean') {
      throw new InvalidOptionError(`schema.${option}`, value, 'a boolean');
    }
  }
  const uniqueFields: unknown = schema.uniqueFields;
  if (uniqueFields === undefined) return;
  if (!Array.isArray(uniqueFields)) {
    throw new InvalidOptionError('schema.uniqueFields', uniqueFields, 'an array of field names');
  }
  const names = new Set(schema.fields.map((field) => field.name));
  (uniqueFields as readonly unknown[]).forEach((name, index) => {
    if (typeof name !== 'string' || !names.has(name)) {
      throw new InvalidOptionError(
        `schema.uniqueFields[${index}]`,
        name,
        `the name of a field in schema.fields (${[...names].map((n) => `"${n}"`).join(', ')})`,
      );
    }
  });
}
