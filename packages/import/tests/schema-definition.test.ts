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
  it('rejects what no run could use, naming the option', () => {
    expect(definitionError(undefined).option).toBe('schema');
    expect(definitionError({ fields: 'email' }).option).toBe('schema.fields');
    expect(definitionError({ fields: [null] }).option).toBe('schema.fields[0]');
    expect(definitionError({ fields: [{ type: 'string' }] }).option).toBe('schema.fields[0].name');
    const type = definitionError({ fields: [{ name: 'age', type: 'integer' }] });
    expect(type.option).toBe('schema.fields[0].type');
    expect(type.message).toBe(
      'Invalid option "schema.fields[0].type": expected one of string, number, boolean, date, email, array, custom, got "integer"',
    );
    expect(
      definitionError({ fields: [{ name: 'a', type: 'string', pattern: '^a$' }] }).option,
    ).toBe('schema.fields[0].pattern');
    expect(definitionError({ fields: [{ name: 'a', type: 'string', transform: 1 }] }).option).toBe(
      'schema.fields[0].transform',
    );
    expect(definitionError({ fields: [{ name: 'a', type: 'string', aliases: 'b' }] }).option).toBe(
      'schema.fields[0].aliases',
    );
  });

  it('accepts what the published package accepts: no fields, duplicate names, alias collisions', () => {
    expect(new SchemaValidator({ fields: [] }).validate({ a: 1 }).isValid).toBe(true);
    const collide = new SchemaValidator({
      fields: [
        { name: 'email', type: 'email', required: true },
        { name: 'contact', type: 'string', required: false, aliases: ['EMAIL'] },
      ],
    });
    // Later table entries win: 'email' (lower-cased) now maps to 'contact'.
    expect(collide.resolveAliases({ email: 'x' })).toEqual({ contact: 'x' });
  });
});
