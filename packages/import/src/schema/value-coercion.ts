import type { RawRecord } from '@batchactions/core';
import { defineField } from './field-alias-resolver';
import type { FieldDefinition, FieldType, SchemaDefinition } from './schema-definition';

/** Outcome of converting one value to its field's type. */
export type CoercionResult =
  { readonly coerced: true; readonly value: unknown } | { readonly coerced: false };

/** Plain decimal or scientific notation, optional sign; no hex, no `Infinity`, no separators. */
const NUMERIC_TEXT = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
/** `YYYY-MM-DD` at the start of a date text; checked against the calendar. */
const ISO_DATE_PREFIX = /^(\d{4})-(\d{2})-(\d{2})(?:$|[T ])/;
const TRUE_WORDS: ReadonlySet<string> = new Set(['true', 'yes', '1']);
const FALSE_WORDS: ReadonlySet<string> = new Set(['false', 'no', '0']);
const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31] as const;
const NOT_COERCED: CoercionResult = Object.freeze({ coerced: false });

function coerced(value: unknown): CoercionResult {
  return { coerced: true, value };
}

function coerceNumber(value: unknown): CoercionResult {
  if (typeof value === 'number') return Number.isFinite(value) ? coerced(value) : NOT_COERCED;
  if (typeof value !== 'string') return NOT_COERCED;
  const text = value.trim();
  return NUMERIC_TEXT.test(text) ? coerced(Number(text)) : NOT_COERCED;
}

function coerceBoolean(value: unknown): CoercionResult {
  if (typeof value === 'boolean') return coerced(value);
  if (value === 1 || value === 0) return coerced(value === 1);
  if (typeof value !== 'string') return NOT_COERCED;
  const word = value.trim().toLowerCase();
  if (TRUE_WORDS.has(word)) return coerced(true);
  if (FALSE_WORDS.has(word)) return coerced(false);
  return NOT_COERCED;
}

function existsInCalendar(text: string): boolean {
  const match = ISO_DATE_PREFIX.exec(text);
  if (match === null) return true;
  const year = Number(match[1]);
  const month = Number(match[2]);
  const day = Number(match[3]);
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  const days = month === 2 && leap ? 29 : (DAYS_IN_MONTH[month - 1] ?? 0);
  return month >= 1 && month <= 12 && day >= 1 && day <= days;
}

/** Dates stay as given (text is not turned into `Date`); the text must be a real date. */
function coerceDate(value: unknown): CoercionResult {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? NOT_COERCED : coerced(value);
  if (typeof value !== 'string') return NOT_COERCED;
  const text = value.trim();
  if (text === '' || !existsInCalendar(text)) return NOT_COERCED;
  return Number.isNaN(Date.parse(text)) ? NOT_COERCED : coerced(value);
}

function coerceString(value: unknown): CoercionResult {
  if (typeof value === 'number' || typeof value === 'boolean') return coerced(String(value));
  return coerced(value);
}

/**
 * Converts one value to its field's type (the opt-in `coerceValues` behaviour): numeric text →
 * `number` (`'42'`, `'-1.5'`, `'1e3'`; not `' '`, hex or `Infinity`), `true/false/yes/no/1/0` →
 * `boolean`, numbers and booleans → text for `string` fields; dates must exist in the calendar
 * and stay as given; `email`, `array` and `custom` values are kept. `{ coerced: false }` means the
 * value is not a valid representation of the type.
 */
export function coerceFieldValue(
  field: Pick<FieldDefinition, 'type'>,
  value: unknown,
): CoercionResult {
  const type: FieldType = field.type;
  switch (type) {
    case 'number':
      return coerceNumber(value);
    case 'boolean':
      return coerceBoolean(value);
    case 'date':
      return coerceDate(value);
    case 'string':
      return coerceString(value);
    case 'email':
    case 'array':
    case 'custom':
      return coerced(value);
  }
}

/**
 * A copy of `record` with every schema field's non-empty value converted by
 * {@link coerceFieldValue}; values that cannot be converted, empty values and keys outside the
 * schema are kept unchanged.
 */
export function coerceRecordValues(schema: SchemaDefinition, record: RawRecord): RawRecord {
  const out: RawRecord = { ...record };
  for (const field of schema.fields) {
    const value = out[field.name];
    if (value === undefined || value === null || value === '') continue;
    const result = coerceFieldValue(field, value);
    if (result.coerced) defineField(out, field.name, result.value);
  }
  return out;
}
