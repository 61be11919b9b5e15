import { describe, expect, it } from 'vitest';
import { coerceFieldValue, coerceRecordValues } from '@batchactions/import';

describe('coerceFieldValue', () => {
  it('converts valid representations and refuses the rest', () => {
    expect(coerceFieldValue({ type: 'number' }, ' -1.5e2 ')).toEqual({
      coerced: true,
      value: -150,
    });
    for (const text of [' ', '0x1F', 'Infinity', '1,5', 'abc']) {
      expect(coerceFieldValue({ type: 'number' }, text), text).toEqual({ coerced: false });
    }
    expect(coerceFieldValue({ type: 'boolean' }, 'Yes')).toEqual({ coerced: true, value: true });
    expect(coerceFieldValue({ type: 'boolean' }, 0)).toEqual({ coerced: true, value: false });
    expect(coerceFieldValue({ type: 'boolean' }, 'maybe')).toEqual({ coerced: false });
    expect(coerceFieldValue({ type: 'string' }, 42)).toEqual({ coerced: true, value: '42' });
    expect(coerceFieldValue({ type: 'date' }, '2024-02-29')).toEqual({
      coerced: true,
      value: '2024-02-29',
    });
    expect(coerceFieldValue({ type: 'date' }, '2023-02-29')).toEqual({ coerced: false });
    expect(coerceFieldValue({ type: 'email' }, 'x')).toEqual({ coerced: true, value: 'x' });
  });
});

describe('coerceRecordValues', () => {
  it('converts schema fields only, keeping empty and unconvertible values and other keys', () => {
    const schema = {
      fields: [
        { name: 'age', type: 'number' as const, required: false },
        { name: 'ok', type: 'boolean' as const, required: false },
        { name: 'n', type: 'number' as const, required: false },
      ],
    };
    const input = { age: '30', ok: 'no', n: 'abc', other: '1', empty: '' };
    expect(coerceRecordValues(schema, input)).toEqual({
      age: 30,
      ok: false,
      n: 'abc',
      other: '1',
      empty: '',
    });
    expect(input.age).toBe('30');
  });
});
