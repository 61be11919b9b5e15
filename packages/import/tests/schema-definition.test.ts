import { InvalidOptionError } from '@batchactions/core';
import { describe, expect, it } from 'vitest';
import { SchemaValidator, type SchemaDefinition } from '@batchactions/import';

function definitionError(schema: unknown): InvalidOptionError {
  try {
    new SchemaValidator(schema as SchemaDefinition);
  } catch (error: unknown) {
    if (error instanceof InvalidOptionError) return error;
    throw error;
  }
  throw new Error('expected the schema to be rejected');
}

describe('SchemaValidator schema checks', () => {
  it('rejects a schema without fields', () => {
    expect(definitionError({ fields: [] }).option).toBe('schema.fields');
    expect(definitionError(undefined).option).toBe('schema');
  });

  it('rejects empty field names', () => {
    const error = definitionError({
      fields: [
        { name: 'a', type: 'string' },
        { name: ' ', type: 'string' },
      ],
    });
    expect(error.option).toBe('schema.fields[1].name');
    expect(error.message).toContain('non-empty field name');
  });

  it('rejects duplicate names, also when they differ only in case', () => {
    const exact = definitionError({
      fields: [
        { name: 'email', type: 'string' },
        { name: 'email', type: 'email' },
      ],
    });
    expect(exact.option).toBe('schema.fields[1] ("email").name');
    expect(exact.message).toContain('already belongs to schema.fields[0] ("email")');
    const cased = definitionError({
      fields: [
        { name: 'email', type: 'string' },
        { name: 'Email', type: 'email' },
      ],
    });
    expect(cased.option).toBe('schema.fields[1] ("Email").name');
  });

  it('rejects unknown types naming the field', () => {
    const error = definitionError({ fields: [{ name: 'age', type: 'integer' }] });
    expect(error.option).toBe('schema.fields[0] ("age").type');
    expect(error.message).toBe(
      'Invalid option "schema.fields[0] ("age").type": expected one of string, number, boolean, date, email, array, custom, got "integer"',
    );
  });

  it('rejects an alias that names another field or another field alias', () => {
    const nameClash = definitionError({
      fields: [
        { name: 'email', type: 'email' },
        { name: 'contact', type: 'string', aliases: ['EMAIL'] },
      ],
    });
    expect(nameClash.option).toBe('schema.fields[1] ("contact").aliases[0]');
    expect(nameClash.message).toContain('"email" already belongs to schema.fields[0] ("email")');
    const aliasClash = definitionError({
      fields: [
        { name: 'a', type: 'string', aliases: ['x', 'shared'] },
        { name: 'b', type: 'string', aliases: ['Shared'] },
      ],
    });
    expect(aliasClash.option).toBe('schema.fields[1] ("b").aliases[0]');
  });

  it('allows a field to list its own name as an alias', () => {
    expect(
      () => new SchemaValidator({ fields: [{ name: 'email', type: 'email', aliases: ['Email'] }] }),
    ).not.toThrow();
  });

  it('rejects uniqueFields naming an unknown field', () => {
    const error = definitionError({
      fields: [{ name: 'email', type: 'email' }],
      uniqueFields: ['email', 'id'],
    });
    expect(error.option).toBe('schema.uniqueFields[1]');
    expect(error.message).toContain('got "id"');
  });

  it('rejects options of the wrong type', () => {
    expect(
      definitionError({ fields: [{ name: 'a', type: 'string', pattern: '^a$' }] }).option,
    ).toBe('schema.fields[0] ("a").pattern');
    expect(definitionError({ fields: [{ name: 'a', type: 'array', separator: '' }] }).option).toBe(
      'schema.fields[0] ("a").separator',
    );
    expect(definitionError({ fields: [{ name: 'a', type: 'string', transform: 1 }] }).option).toBe(
      'schema.fields[0] ("a").transform',
    );
    expect(definitionError({ fields: [{ name: 'a', type: 'string' }], strict: 'yes' }).option).toBe(
      'schema.strict',
    );
    expect(definitionError({ fields: [{ name: '__proto__', type: 'string' }] }).option).toBe(
      'schema.fields[0] ("__proto__").name',
    );
  });
});
