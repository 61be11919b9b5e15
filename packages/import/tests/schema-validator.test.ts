import { describe, expect, it } from 'vitest';
import { FieldTransformError, SchemaValidator, type FieldDefinition } from '@batchactions/import';

function validatorFor(
  fields: FieldDefinition[],
  extra: { strict?: boolean } = {},
): SchemaValidator {
  return new SchemaValidator({ fields, ...extra });
}

/** resolveAliases → applyTransforms → validate, the way an import runs a record. */
function run(validator: SchemaValidator, raw: Record<string, unknown>) {
  const parsed = validator.applyTransforms(validator.resolveAliases(raw));
  return { parsed, result: validator.validate(parsed) };
}

describe('SchemaValidator.resolveAliases', () => {
  const validator = validatorFor([
    { name: 'email', type: 'email', aliases: ['E-Mail Address', 'mail'] },
    { name: 'firstName', type: 'string' },
  ]);

  it('renames aliases and case variants of names and aliases to the canonical name', () => {
    expect(validator.resolveAliases({ 'e-mail address': 'a@b.io', FIRSTNAME: 'Ann' })).toEqual({
      email: 'a@b.io',
      firstName: 'Ann',
    });
    expect(validator.resolveAliases({ MAIL: 'x@y.io' })).toEqual({ email: 'x@y.io' });
  });

  it('keeps unknown keys and returns the same object when nothing needs renaming', () => {
    const raw = { email: 'a@b.io', extra: 1 };
    expect(validator.resolveAliases(raw)).toBe(raw);
    expect(validator.resolveAliases({ Mail: 'a@b.io', Extra: 1 })).toEqual({
      email: 'a@b.io',
      Extra: 1,
    });
  });

  it('prefers a present value over a missing one, then the exact name over an alias', () => {
    expect(validator.resolveAliases({ mail: 'alias@b.io', Email: '' })).toEqual({
      email: 'alias@b.io',
    });
    expect(validator.resolveAliases({ mail: 'alias@b.io', email: 'exact@b.io' })).toEqual({
      email: 'exact@b.io',
    });
    expect(validator.resolveAliases({ mail: 'first@b.io', MAIL: 'second@b.io' })).toEqual({
      email: 'first@b.io',
    });
  });

  it('keeps a "__proto__" key as data instead of changing the prototype', () => {
    const raw = JSON.parse('{"__proto__": "x", "MAIL": "a@b.io"}') as Record<string, unknown>;
    const resolved = validator.resolveAliases(raw);
    expect(Object.getPrototypeOf(resolved)).toBe(Object.prototype);
    expect(Object.keys(resolved)).toEqual(['__proto__', 'email']);
  });
});

describe('SchemaValidator.applyTransforms', () => {
  it('uses defaultValue for absent, null, empty and blank values, and coerces it', () => {
    const validator = validatorFor([
      { name: 'role', type: 'string', defaultValue: 'user' },
      { name: 'level', type: 'number', defaultValue: '3' },
    ]);
    for (const missing of [undefined, null, '', '   ']) {
      expect(validator.applyTransforms({ role: missing, level: missing })).toEqual({
        role: 'user',
        level: 3,
      });
    }
    expect(validator.applyTransforms({})).toEqual({ role: 'user', level: 3 });
    expect(validator.applyTransforms({ role: 'admin', level: '7' })).toEqual({
      role: 'admin',
      level: 7,
    });
  });

  it('leaves missing values without a default untouched', () => {
    const validator = validatorFor([{ name: 'age', type: 'number' }]);
    expect(validator.applyTransforms({})).toEqual({});
    expect(validator.applyTransforms({ age: '' })).toEqual({ age: '' });
  });

  it('coerces numeric strings only', () => {
    const validator = validatorFor([{ name: 'n', type: 'number' }]);
    const cases: [unknown, unknown][] = [
      ['42', 42],
      [' -1.5 ', -1.5],
      ['1e3', 1000],
      ['.5', 0.5],
      ['+7', 7],
      [12, 12],
      ['1,5', '1,5'],
      ['abc', 'abc'],
      ['0x10', '0x10'],
      ['Infinity', 'Infinity'],
      [true, true],
    ];
    for (const [input, output] of cases) {
      expect(validator.applyTransforms({ n: input }).n, `input ${String(input)}`).toEqual(output);
    }
  });

  it('coerces true/false/yes/no/1/0 case-insensitively to booleans', () => {
    const validator = validatorFor([{ name: 'b', type: 'boolean' }]);
    const cases: [unknown, unknown][] = [
      ['TRUE', true],
      ['False', false],
      ['yes', true],
      ['No', false],
      ['1', true],
      ['0', false],
      [1, true],
      [0, false],
      [false, false],
      ['maybe', 'maybe'],
      [2, 2],
    ];
    for (const [input, output] of cases) {
      expect(validator.applyTransforms({ b: input }).b, `input ${String(input)}`).toBe(output);
    }
  });

  it('splits arrays on the separator, trims items and applies itemTransform', () => {
    const validator = validatorFor([
      { name: 'tags', type: 'array' },
      { name: 'scores', type: 'array', separator: '|', itemTransform: (item) => Number(item) },
    ]);
    expect(validator.applyTransforms({ tags: ' a, b ,c', scores: '1| 2 |3' })).toEqual({
      tags: ['a', 'b', 'c'],
      scores: [1, 2, 3],
    });
    expect(validator.applyTransforms({ tags: ['x', 'y'], scores: ['4', 5] })).toEqual({
      tags: ['x', 'y'],
      scores: [4, 5],
    });
    expect(validator.applyTransforms({ tags: 42 }).tags).toBe(42);
  });

  it('keeps dates as the original string and strings untrimmed', () => {
    const validator = validatorFor([
      { name: 'd', type: 'date' },
      { name: 's', type: 'string' },
    ]);
    expect(validator.applyTransforms({ d: '2024-03-01', s: '  padded  ' })).toEqual({
      d: '2024-03-01',
      s: '  padded  ',
    });
    expect(validator.applyTransforms({ s: 12 }).s).toBe('12');
  });

  it('runs transform after coercion, only on values that could be coerced', () => {
    const validator = validatorFor([
      { name: 'n', type: 'number', transform: (value) => (value as number) * 2 },
      { name: 's', type: 'string', transform: (value) => (value as string).toUpperCase() },
    ]);
    expect(validator.applyTransforms({ n: '21', s: 'abc' })).toEqual({ n: 42, s: 'ABC' });
    expect(validator.applyTransforms({ n: 'abc' })).toEqual({ n: 'abc' });
  });

  it('copies keys that are not in the schema unchanged and does not mutate the input', () => {
    const validator = validatorFor([{ name: 'n', type: 'number' }]);
    const raw = { n: '1', other: 'x' };
    expect(validator.applyTransforms(raw)).toEqual({ n: 1, other: 'x' });
    expect(raw).toEqual({ n: '1', other: 'x' });
  });

  it('throws FieldTransformError naming the field when a transform throws', () => {
    const validator = validatorFor([
      {
        name: 'code',
        type: 'string',
        transform: () => {
          throw new Error('boom');
        },
      },
    ]);
    expect(() => validator.applyTransforms({ code: 'x' })).toThrow(FieldTransformError);
    expect(() => validator.applyTransforms({ code: 'x' })).toThrow(
      'The transform of field "code" threw for value "x": boom',
    );
  });
});

describe('SchemaValidator.validate', () => {
  it('reports REQUIRED for absent, null, empty and blank values', () => {
    const validator = validatorFor([{ name: 'email', type: 'email', required: true }]);
    for (const missing of [undefined, null, '', ' \t']) {
      const { result } = run(validator, { email: missing });
      expect(result.isValid).toBe(false);
      expect(result.errors).toEqual([
        { field: 'email', code: 'REQUIRED', message: 'Field "email" is required', value: missing },
      ]);
    }
    expect(run(validator, { email: 'a@b.io' }).result).toEqual({ isValid: true, errors: [] });
  });

  it('does not check optional fields that are missing', () => {
    const validator = validatorFor([{ name: 'age', type: 'number', pattern: /^\d$/ }]);
    expect(run(validator, {}).result.isValid).toBe(true);
    expect(run(validator, { age: '' }).result.isValid).toBe(true);
  });

  it('reports TYPE_MISMATCH naming the field and value', () => {
    const validator = validatorFor([
      { name: 'age', type: 'number' },
      { name: 'active', type: 'boolean' },
      { name: 'born', type: 'date' },
      { name: 'email', type: 'email' },
      { name: 'tags', type: 'array' },
      { name: 'name', type: 'string' },
    ]);
    const { result } = run(validator, {
      age: 'abc',
      active: 'maybe',
      born: 'not a date',
      email: 'nope@',
      tags: 5,
      name: { first: 'A' },
    });
    expect(result.isValid).toBe(false);
    expect(result.errors.map((e) => [e.field, e.code, e.message])).toEqual([
      ['age', 'TYPE_MISMATCH', 'Field "age" must be a number, got "abc"'],
      [
        'active',
        'TYPE_MISMATCH',
        'Field "active" must be a boolean (true/false, yes/no, 1/0), got "maybe"',
      ],
      ['born', 'TYPE_MISMATCH', 'Field "born" must be a valid date, got "not a date"'],
      ['email', 'TYPE_MISMATCH', 'Field "email" must be a valid email address, got "nope@"'],
      ['tags', 'TYPE_MISMATCH', 'Field "tags" must be an array, got 5'],
      ['name', 'TYPE_MISMATCH', 'Field "name" must be a string, got {"first":"A"}'],
    ]);
  });

  it('accepts ISO and Date.parse-able dates, rejects impossible calendar dates', () => {
    const validator = validatorFor([{ name: 'd', type: 'date' }]);
    for (const valid of ['2024-02-29', '2024-03-01T10:00:00Z', 'March 7, 2024', new Date(0)]) {
      expect(run(validator, { d: valid }).result.isValid, String(valid)).toBe(true);
    }
    for (const invalid of ['2023-02-29', '2024-13-01', '2024-04-31', 'tomorrow', new Date(NaN)]) {
      expect(run(validator, { d: invalid }).result.isValid, String(invalid)).toBe(false);
    }
  });

  it('checks email addresses with a reasonable pattern', () => {
    const validator = validatorFor([{ name: 'e', type: 'email' }]);
    for (const valid of ['a@b.io', 'first.last+tag@sub.example.co.uk', 'zoë@exämple.de']) {
      expect(run(validator, { e: valid }).result.isValid, valid).toBe(true);
    }
    for (const invalid of [
      'plain',
      'a@b',
      'a b@c.io',
      'a@@b.io',
      '.a@b.io',
      'a..b@c.io',
      'a@-b.io',
    ]) {
      expect(run(validator, { e: invalid }).result.isValid, invalid).toBe(false);
    }
  });

  it('reports PATTERN_MISMATCH, resetting stateful regexes, and checks each array item', () => {
    const validator = validatorFor([
      { name: 'code', type: 'string', pattern: /^[A-Z]{3}$/g },
      { name: 'ids', type: 'array', pattern: /^\d+$/ },
    ]);
    for (let i = 0; i < 3; i++) {
      expect(run(validator, { code: 'ABC' }).result.isValid).toBe(true);
    }
    expect(run(validator, { code: 'abc' }).result.errors).toEqual([
      {
        field: 'code',
        code: 'PATTERN_MISMATCH',
        message: 'Field "code" must match /^[A-Z]{3}$/g, got "abc"',
        value: 'abc',
      },
    ]);
    expect(run(validator, { ids: '1,2,3' }).result.isValid).toBe(true);
    expect(run(validator, { ids: '1,x,3' }).result.errors[0]?.code).toBe('PATTERN_MISMATCH');
  });

  it('reports CUSTOM_VALIDATION with the validator message and severity', () => {
    const seen: unknown[] = [];
    const validator = validatorFor([
      {
        name: 'age',
        type: 'number',
        customValidator: (value, record) => {
          seen.push([value, record.name]);
          return (value as number) >= 18
            ? { valid: true }
            : { valid: false, message: 'must be an adult' };
        },
      },
      { name: 'name', type: 'string' },
    ]);
    expect(run(validator, { age: '30', name: 'Ann' }).result.isValid).toBe(true);
    expect(seen).toEqual([[30, 'Ann']]);
    expect(run(validator, { age: '12', name: 'Bo' }).result).toEqual({
      isValid: false,
      errors: [
        {
          field: 'age',
          code: 'CUSTOM_VALIDATION',
          message: 'must be an adult',
          value: 12,
          severity: 'error',
        },
      ],
    });
  });

  it('keeps the record valid when a custom validator reports a warning', () => {
    const validator = validatorFor([
      {
        name: 'nick',
        type: 'string',
        customValidator: (value) => ({
          valid: (value as string).length > 2,
          severity: 'warning',
        }),
      },
    ]);
    const { result } = run(validator, { nick: 'ab' });
    expect(result.isValid).toBe(true);
    expect(result.errors).toEqual([
      {
        field: 'nick',
        code: 'CUSTOM_VALIDATION',
        message: 'Field "nick" failed custom validation, got "ab"',
        value: 'ab',
        severity: 'warning',
      },
    ]);
  });

  it('does not call the custom validator for missing or mistyped values', () => {
    let calls = 0;
    const validator = validatorFor([
      { name: 'n', type: 'number', customValidator: () => ((calls += 1), { valid: true }) },
    ]);
    run(validator, {});
    run(validator, { n: 'x' });
    expect(calls).toBe(0);
    run(validator, { n: '1' });
    expect(calls).toBe(1);
  });

  it('turns a throwing custom validator into a CUSTOM_VALIDATION error', () => {
    const validator = validatorFor([
      {
        name: 'x',
        type: 'custom',
        customValidator: () => {
          throw new Error('lookup failed');
        },
      },
    ]);
    const { result } = run(validator, { x: { any: 'thing' } });
    expect(result.isValid).toBe(false);
    expect(result.errors[0]?.message).toBe(
      'Custom validator of field "x" threw for {"any":"thing"}: lookup failed',
    );
  });

  it('does not type-check custom fields', () => {
    const validator = validatorFor([{ name: 'blob', type: 'custom', required: true }]);
    expect(run(validator, { blob: { nested: [1, 2] } }).result.isValid).toBe(true);
  });

  it('reports UNKNOWN_FIELD only in strict mode', () => {
    const fields: FieldDefinition[] = [{ name: 'id', type: 'number', aliases: ['ID#'] }];
    expect(run(validatorFor(fields), { id: '1', extra: 'x' }).result.isValid).toBe(true);
    const { result } = run(validatorFor(fields, { strict: true }), { 'id#': '1', extra: 'x' });
    expect(result).toEqual({
      isValid: false,
      errors: [
        {
          field: 'extra',
          code: 'UNKNOWN_FIELD',
          message: 'Field "extra" is not defined in the schema (strict mode)',
          value: 'x',
        },
      ],
    });
  });

  it('reports one finding per field and all failing fields', () => {
    const validator = validatorFor([
      { name: 'a', type: 'number', required: true },
      { name: 'b', type: 'number', pattern: /^\d$/ },
    ]);
    const { result } = run(validator, { b: 'x' });
    expect(result.errors.map((e) => [e.field, e.code])).toEqual([
      ['a', 'REQUIRED'],
      ['b', 'TYPE_MISMATCH'],
    ]);
  });
});

describe('SchemaValidator row options', () => {
  it('exposes skipEmptyRows (default false) and uniqueFields (default [])', () => {
    const plain = validatorFor([{ name: 'a', type: 'string' }]);
    expect(plain.skipEmptyRows).toBe(false);
    expect(plain.uniqueFields).toEqual([]);
    const configured = new SchemaValidator({
      fields: [{ name: 'a', type: 'string' }],
      skipEmptyRows: true,
      uniqueFields: ['a'],
    });
    expect(configured.skipEmptyRows).toBe(true);
    expect(configured.uniqueFields).toEqual(['a']);
  });

  it('detects empty rows', () => {
    const validator = validatorFor([{ name: 'a', type: 'string' }]);
    expect(validator.isEmptyRow({ a: '', c: null, d: undefined })).toBe(true);
    // Published core isEmptyRow: a whitespace-only value is not empty.
    expect(validator.isEmptyRow({ a: '', b: '  ' })).toBe(false);
    expect(validator.isEmptyRow({})).toBe(true);
    expect(validator.isEmptyRow({ a: '', b: 'x' })).toBe(false);
    expect(validator.isEmptyRow({ a: 0 })).toBe(false);
  });
});
