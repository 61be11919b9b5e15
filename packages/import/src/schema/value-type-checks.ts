import type { FieldType } from './schema-definition';

/** `YYYY-MM-DD`, optionally followed by a time; checked against the calendar separately. */
const ISO_DATE_PREFIX = /^(\d{4})-(\d{2})-(\d{2})(?:$|[T ])/;

/**
 * A pragmatic address check: a dot-separated local part without spaces or specials, `@`, and a
 * domain of at least two labels of letters, digits and inner hyphens (Unicode letters allowed).
 */
const EMAIL =
  /^[^\s@"(),:;<>[\]\\.]+(?:\.[^\s@"(),:;<>[\]\\.]+)*@[\p{L}\p{N}](?:[\p{L}\p{N}-]*[\p{L}\p{N}])?(?:\.[\p{L}\p{N}](?:[\p{L}\p{N}-]*[\p{L}\p{N}])?)+$/u;

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** ISO dates must exist in the calendar: `Date.parse('2024-02-30')` would roll over silently. */
function isRealIsoDate(text: string): boolean {
  const match = ISO_DATE_PREFIX.exec(text);
  if (match === null) return true;
  const year = Number(match[1]);
  const month = Number(match[2]);
  const day = Number(match[3]);
  return month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth(year, month);
}

/** A valid `Date`, or a string that is an ISO 8601 date or that `Date.parse` understands. */
export function isValidDate(value: unknown): boolean {
  if (value instanceof Date) return !Number.isNaN(value.getTime());
  if (typeof value !== 'string' || value.trim() === '') return false;
  return !Number.isNaN(Date.parse(value)) && isRealIsoDate(value.trim());
}

/** True when the value looks like an email address. */
export function isValidEmail(value: unknown): boolean {
  return typeof value === 'string' && value.length <= 320 && EMAIL.test(value);
}

/** The type check of `validate`, run on the value after coercion and transform. */
export function matchesFieldType(type: FieldType, value: unknown): boolean {
  switch (type) {
    case 'string':
      return typeof value === 'string';
    case 'number':
      return typeof value === 'number' && Number.isFinite(value);
    case 'boolean':
      return typeof value === 'boolean';
    case 'date':
      return isValidDate(value);
    case 'email':
      return isValidEmail(value);
    case 'array':
      return Array.isArray(value);
    case 'custom':
      return true;
  }
}

/** The end of a type-mismatch message: `must be a number`. */
export const TYPE_EXPECTATIONS: Readonly<Record<FieldType, string>> = {
  string: 'must be a string',
  number: 'must be a number',
  boolean: 'must be a boolean (true/false, yes/no, 1/0)',
  date: 'must be a valid date',
  email: 'must be a valid email address',
  array: 'must be an array',
  custom: 'has an invalid value',
};
