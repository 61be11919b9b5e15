import { describe, expect, it } from 'vitest';
import {
  FieldTransformError,
  SchemaValidator,
  type FieldDefinition,
  type SchemaDefinition,
} from '@batchactions/import';

function field(definition: Partial<FieldDefinition> & Pick<FieldDefinition, 'name' | 'type'>) {
  return { required: false, ...definition } as FieldDefinition;
}

function errorsOf(schema: SchemaDefinition, record: Record<string, unknown>) {
  return new SchemaValidator(schema).validate(record).errors;
}

describe('SchemaValidator.validate (published codes and messages)', () => {
  it('REQUIRED for undefined, null, empty string and empty array; whitespace, 0 and false are values', () => {
    const schema = { fields: [field({ name: 'a', type: 'custom', required: true })] };
    for (const value of [undefined, null, '', []]) {
      expect(errorsOf(schema, { a: value })).toEqual([
        {
          field: 'a',
          message: "Field 'a' is required",
          code: 'REQUIRED',
          value,
          category: 'VALIDATION',
        },
      ]);
    }
    for (const value of [' ', 0, false]) expect(errorsOf(schema, { a: value })).toEqual([]);
  });

  it('skips every check of an empty optional value', () => {
    const schema = {
      fields: [
        field({
          name: 'n',
          type: 'number',
          pattern: /^\d$/,
          customValidator: () => ({ valid: false }),
        }),
      ],
    };
    expect(errorsOf(schema, { n: '' })).toEqual([]);
  });

  it('TYPE_MISMATCH with the published text per type, without converting values', () => {
    const cases: [FieldDefinition['type'], unknown, string][] = [
      ['number', 'abc', "Field 'f' must be a number"],
      ['boolean', 'maybe', "Field 'f' must be a boolean"],
      ['date', 'not a date', "Field 'f' must be a valid date"],
      ['email', 'bo@example', "Field 'f' must be a valid email"],
      ['array', 42, "Field 'f' must be a string (to be split) or an array"],
    ];
    for (const [type, value, message] of cases) {
      expect(errorsOf({ fields: [field({ name: 'f', type })] }, { f: value })).toEqual([
        { field: 'f', message, code: 'TYPE_MISMATCH', value, category: 'FORMAT' },
      ]);
    }
  });

  it('keeps the published leniency of the type checks', () => {
    const numbers = { fields: [field({ name: 'n', type: 'number' })] };
    for (const value of [' ', '0x1F', '1e3', 'Infinity', '30', 30]) {
      expect(errorsOf(numbers, { n: value }), String(value)).toEqual([]);
    }
    const booleans = { fields: [field({ name: 'b', type: 'boolean' })] };
    for (const value of ['TRUE', 'no', '1', 0, true])
      expect(errorsOf(booleans, { b: value })).toEqual([]);
    const record = { n: '30' };
    new SchemaValidator(numbers).validate(record);
    expect(record).toEqual({ n: '30' });
  });

  it('PATTERN_MISMATCH on String(value); g/y patterns give the same answer every time', () => {
    const schema = { fields: [field({ name: 'code', type: 'string', pattern: /^a/g })] };
    expect(errorsOf(schema, { code: 'b' })).toEqual([
      {
        field: 'code',
        message: "Field 'code' does not match pattern /^a/g",
        code: 'PATTERN_MISMATCH',
        value: 'b',
        category: 'FORMAT',
      },
    ]);
    const validator = new SchemaValidator(schema);
    const answers = [1, 2, 3, 4].map(() => validator.validate({ code: 'abc' }).isValid);
    expect(answers).toEqual([true, true, true, true]);
    const arrays = { fields: [field({ name: 't', type: 'array', pattern: /^a,b$/ })] };
    expect(errorsOf(arrays, { t: ['a', 'b'] })).toEqual([]);
  });

  it('CUSTOM_VALIDATION copies message, severity, suggestion and metadata; default message', () => {
    const schema = {
      fields: [
        field({
          name: 'age',
          type: 'number',
          customValidator: (value) =>
            Number(value) < 18
              ? {
                  valid: false,
                  message: 'too young',
                  severity: 'warning',
                  suggestion: 'check',
                  metadata: { min: 18 },
                }
              : { valid: Number(value) < 200 },
        }),
      ],
    };
    expect(errorsOf(schema, { age: '12' })).toEqual([
      {
        field: 'age',
        message: 'too young',
        code: 'CUSTOM_VALIDATION',
        value: '12',
        category: 'CUSTOM',
        severity: 'warning',
        suggestion: 'check',
        metadata: { min: 18 },
      },
    ]);
    const fallback = errorsOf(schema, { age: '300' })[0];
    expect(fallback?.message).toBe("Custom validation failed for field 'age'");
    expect(Object.keys(fallback ?? {})).toEqual(
      expect.arrayContaining(['severity', 'suggestion', 'metadata']),
    );
  });

  it('a warnings-only result is not valid (published), and the validator sees the value of any type', () => {
    const seen: unknown[] = [];
    const schema = {
      fields: [
        field({
          name: 'x',
          type: 'string',
          customValidator: (value) => {
            seen.push(value);
            return { valid: false, severity: 'warning' };
          },
        }),
      ],
    };
    const result = new SchemaValidator(schema).validate({ x: 'v' });
    expect(result.isValid).toBe(false);
    expect(seen).toEqual(['v']);
  });

  it('a throwing custom validator is a CUSTOM_VALIDATION error naming the field (defect 16)', () => {
    const schema = {
      fields: [
        field({
          name: 'x',
          type: 'custom',
          customValidator: () => {
            throw new Error('boom');
          },
        }),
      ],
    };
    expect(errorsOf(schema, { x: 1 })).toEqual([
      {
        field: 'x',
        message: "Custom validator of field 'x' threw: boom",
        code: 'CUSTOM_VALIDATION',
        value: 1,
        category: 'CUSTOM',
      },
    ]);
  });

  it('UNKNOWN_FIELD per extra key in strict mode, in key order, after the field errors', () => {
    const schema = { fields: [field({ name: 'a', type: 'string', required: true })], strict: true };
    expect(errorsOf(schema, { z: 1, __parsed_extra: ['x'] })).toEqual([
      {
        field: 'a',
        message: "Field 'a' is required",
        code: 'REQUIRED',
        value: undefined,
        category: 'VALIDATION',
      },
      {
        field: 'z',
        message: "Unknown field 'z' is not allowed in strict mode",
        code: 'UNKNOWN_FIELD',
        value: 1,
        category: 'VALIDATION',
      },
      {
        field: '__parsed_extra',
        message: "Unknown field '__parsed_extra' is not allowed in strict mode",
        code: 'UNKNOWN_FIELD',
        value: ['x'],
        category: 'VALIDATION',
      },
    ]);
    expect(errorsOf({ ...schema, strict: false }, { a: 'x', z: 1 })).toEqual([]);
  });

  it('returns { isValid: true, errors: [] } without a parsed key', () => {
    const result = new SchemaValidator({ fields: [field({ name: 'a', type: 'string' })] }).validate(
      { a: 'x' },
    );
    expect(result).toStrictEqual({ isValid: true, errors: [] });
  });
});

describe('SchemaValidator.resolveAliases', () => {
  const validator = new SchemaValidator({
    fields: [
      field({ name: 'email', type: 'email', aliases: ['E-Mail', 'mail'] }),
      field({ name: 'age', type: 'number' }),
    ],
  });

  it('maps aliases and case variants to the field name; unknown keys stay; returns a new object', () => {
    const record = { 'e-mail': 'a@b.io', AGE: '3', other: 1 };
    const resolved = validator.resolveAliases(record);
    expect(resolved).toEqual({ email: 'a@b.io', age: '3', other: 1 });
    expect(resolved).not.toBe(record);
  });

  it('keeps whichever key comes first when an alias and the canonical name are both present', () => {
    expect(validator.resolveAliases({ mail: 'first@x.io', email: 'second@x.io' })).toEqual({
      email: 'first@x.io',
    });
    expect(validator.resolveAliases({ email: '', MAIL: 'later@x.io' })).toEqual({ email: '' });
  });

  it('returns the record itself for a schema without fields', () => {
    const record = { a: 1 };
    expect(new SchemaValidator({ fields: [] }).resolveAliases(record)).toBe(record);
  });

  it('gives the same answers when records repeat a key list, and when the key list changes', () => {
    const rows = [
      { MAIL: 'a@x.io', age: '1' },
      { MAIL: 'b@x.io', age: '2' },
      { age: '3', mail: 'c@x.io', email: 'dropped@x.io' },
      { age: '4', mail: 'd@x.io', email: 'dropped@x.io' },
      { MAIL: 'e@x.io', age: '5' },
    ];
    expect(rows.map((row) => validator.resolveAliases(row))).toEqual([
      { email: 'a@x.io', age: '1' },
      { email: 'b@x.io', age: '2' },
      { age: '3', email: 'c@x.io' },
      { age: '4', email: 'd@x.io' },
      { email: 'e@x.io', age: '5' },
    ]);
    expect(Object.keys(validator.resolveAliases(rows[2] ?? {}))).toEqual(['age', 'email']);
  });

  it('resolveAliasesShared: the record itself when nothing is renamed or dropped, else as resolveAliases', () => {
    const plain = { email: 'a@x.io', age: '1', other: 2 };
    expect(validator.resolveAliasesShared(plain)).toBe(plain);
    const aliased = { mail: 'a@x.io', age: '1' };
    const resolved = validator.resolveAliasesShared(aliased);
    expect(resolved).not.toBe(aliased);
    expect(resolved).toEqual({ email: 'a@x.io', age: '1' });
    const twice = { email: 'a@x.io', MAIL: 'b@x.io' };
    expect(validator.resolveAliasesShared(twice)).toEqual({ email: 'a@x.io' });
    expect(validator.resolveAliasesShared(plain)).toBe(plain);
    // resolveAliases keeps returning a new object for the same keys.
    expect(validator.resolveAliases(plain)).not.toBe(plain);
    expect(validator.resolveAliases(plain)).toEqual(plain);
  });

  it('keeps a __proto__ key as data', () => {
    const record = JSON.parse('{"__proto__": "x", "MAIL": "a@x.io"}') as Record<string, unknown>;
    const resolved = validator.resolveAliases(record);
    expect(Object.getPrototypeOf(resolved)).toBe(Object.prototype);
    expect(Object.keys(resolved)).toEqual(['__proto__', 'email']);
  });

  it('hasAliases counts distinct lower-cased names beyond the fields', () => {
    expect(validator.hasAliases).toBe(true);
    expect(
      new SchemaValidator({ fields: [field({ name: 'a', type: 'string', aliases: ['A'] })] })
        .hasAliases,
    ).toBe(false);
  });
});

describe('SchemaValidator.applyTransforms', () => {
  it('splits array strings (trim, drop empties, itemTransform), then transform, then defaults', () => {
    const validator = new SchemaValidator({
      fields: [
        field({
          name: 'tags',
          type: 'array',
          separator: '|',
          itemTransform: (item) => item.toUpperCase(),
        }),
        field({ name: 'n', type: 'number', transform: (value) => `${String(value)}!` }),
        field({ name: 'role', type: 'string', defaultValue: 'user' }),
        field({ name: 'list', type: 'array', defaultValue: 'a,b' }),
      ],
    });
    const input = { tags: ' a | |b ', n: '', extra: 1 };
    expect(validator.applyTransforms(input)).toEqual({
      tags: ['A', 'B'],
      n: '!',
      role: 'user',
      list: 'a,b',
      extra: 1,
    });
    expect(input).toEqual({ tags: ' a | |b ', n: '', extra: 1 });
  });

  it('defaults apply to missing keys only, not to empty cells or null (published)', () => {
    const validator = new SchemaValidator({
      fields: [field({ name: 'role', type: 'string', defaultValue: 'user' })],
    });
    expect(validator.applyTransforms({ role: '' })).toEqual({ role: '' });
    expect(validator.applyTransforms({ role: null })).toEqual({ role: null });
    expect(validator.applyTransforms({ role: undefined })).toEqual({ role: 'user' });
  });

  it('leaves non-string array values alone and reads JSON array text as JSON (defect 8)', () => {
    const validator = new SchemaValidator({ fields: [field({ name: 't', type: 'array' })] });
    expect(validator.applyTransforms({ t: ['x'] })).toEqual({ t: ['x'] });
    expect(validator.applyTransforms({ t: 5 })).toEqual({ t: 5 });
    expect(validator.applyTransforms({ t: '["a","b,c",1]' })).toEqual({ t: ['a', 'b,c', '1'] });
    expect(validator.applyTransforms({ t: '[a, b]' })).toEqual({ t: ['[a', 'b]'] });
  });

  it('does not convert values by default', () => {
    const validator = new SchemaValidator({
      fields: [field({ name: 'n', type: 'number' }), field({ name: 'b', type: 'boolean' })],
    });
    expect(validator.applyTransforms({ n: '30', b: 'yes' })).toEqual({ n: '30', b: 'yes' });
  });

  it('throws FieldTransformError naming the field and value when transform or itemTransform throws', () => {
    const validator = new SchemaValidator({
      fields: [
        field({
          name: 'x',
          type: 'string',
          transform: () => {
            throw new Error('bad');
          },
        }),
      ],
    });
    expect(() => validator.applyTransforms({ x: 'v' })).toThrow(FieldTransformError);
    expect(() => validator.applyTransforms({ x: 'v' })).toThrow(
      'The transform of field "x" threw for value "v": bad',
    );
  });
});

describe('SchemaValidator coerceValues (opt-in)', () => {
  const validator = new SchemaValidator(
    {
      fields: [
        field({ name: 'n', type: 'number', transform: (value) => (value as number) * 2 }),
        field({ name: 'b', type: 'boolean' }),
        field({ name: 's', type: 'string' }),
        field({ name: 'd', type: 'date' }),
      ],
    },
    { coerceValues: true },
  );

  it('converts before transform and keeps dates as given', () => {
    expect(validator.applyTransforms({ n: ' 21 ', b: 'YES', s: 5, d: '2024-02-29' })).toEqual({
      n: 42,
      b: true,
      s: '5',
      d: '2024-02-29',
    });
  });

  it('rejects values the published checks let through but that cannot be converted', () => {
    const result = validator.validate({ n: '0x1F', b: 'true', d: '2024-02-30' });
    expect(result.errors.map((e) => [e.field, e.message])).toEqual([
      ['n', "Field 'n' must be a number"],
      ['d', "Field 'd' must be a valid date"],
    ]);
  });
});

describe('SchemaValidator.validateUniqueness', () => {
  const validator = new SchemaValidator({
    fields: [field({ name: 'email', type: 'email' }), field({ name: 'code', type: 'custom' })],
    uniqueFields: ['email', 'code'],
  });

  it('registers values, compares strings case-insensitively, keeps the original value in the error', () => {
    const seen = new Map<string, Set<unknown>>();
    expect(validator.validateUniqueness({ email: 'A@x.io', code: 5 }, seen)).toEqual([]);
    expect(validator.validateUniqueness({ email: 'a@X.io', code: '5' }, seen)).toEqual([
      {
        field: 'email',
        message: "Duplicate value 'a@X.io' for unique field 'email'",
        code: 'DUPLICATE_VALUE',
        value: 'a@X.io',
        category: 'DUPLICATE',
      },
    ]);
    expect(seen.get('email')).toEqual(new Set(['a@x.io']));
    expect(seen.get('code')).toEqual(new Set([5, '5']));
  });

  it('skips empty values; hasUniqueFields reflects the schema', () => {
    const seen = new Map<string, Set<unknown>>();
    validator.validateUniqueness({ email: '' }, seen);
    expect(validator.validateUniqueness({ email: '' }, seen)).toEqual([]);
    expect(validator.hasUniqueFields).toBe(true);
    expect(new SchemaValidator({ fields: [] }).hasUniqueFields).toBe(false);
  });
});

describe('SchemaValidator row options', () => {
  it('skipEmptyRows defaults to false; isEmptyRow is core isEmptyRow', () => {
    expect(new SchemaValidator({ fields: [] }).skipEmptyRows).toBe(false);
    const validator = new SchemaValidator({ fields: [], skipEmptyRows: true });
    expect(validator.skipEmptyRows).toBe(true);
    expect(validator.isEmptyRow({ a: '', b: null, c: undefined })).toBe(true);
    expect(validator.isEmptyRow({ a: [] })).toBe(false);
    expect(validator.isEmptyRow({ a: '  ' })).toBe(false); // whitespace is a value
  });
});
