import type { FieldType } from './schema-definition';

/** `YYYY-MM-DD`, optionally followed by a time; checked against the calendar separately. */
const ISO_DATE_PREFIX = /^(\d{4})-(\d{2})-(\d{2})(?:$|[T ])/;

/**
 * A pragmatic address check: a dot-separated local part without spaces or specials, `@`, and a
 * domain of at least two labels of letters, digits and inner hyphens (Unicode letters allowed).
 */
const EMAIL =
  /^[^\s@"(),:;<>[\]\\.]+(?:\.[^\s@"(),:;<>[\]\\.]+)*@[\p{L}\p{N}](?:[\p{L}\p{N}-]*[\p{L}\p{N}])?(?:\.[\p{L}\p{N}](?:[\p{L}\p{N}-]*[\p{L}\p{N}])?)+$/u;

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31] as const;

function daysInMonth(year: number, month: number): number {
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  return month === 2 && leap ? 29 : (DAYS_IN_MONTH[month - 1] ?? 0);
}

/**
 * ISO dates must exist in the calendar: `Date.parse('2024-02-30')` would roll over silently.
 * Returns `undefined` for text that does not start with an ISO date.
 */
function isoCalendarCheck(text: string): boolean | undefined {
  const match = ISO_DATE_PREFIX.exec(text);
  if (match === null) return undefined;
  const year = Number(match[1]);
  const month = Number(match[2]);
  const day = Number(match[3]);
  return month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth(year, month);
}

/** A valid `Date`, or a string that is an ISO 8601 date or that `Date.parse` understands. */
export function isValidDate(value: unknown): boolean {
  if (value instanceof Date) return !Number.isNaN(value.getTime());
  if (typeof value !== 'string') return false;
  const text = value.trim();
  if (text === '') return false;
  const calendar = isoCalendarCheck(text);
  if (calendar === false) return false;
  // A bare `YYYY-MM-DD` needs nothing more; anything longer must also satisfy Date.parse.
  if (calendar === true && text.length === 10) return true;
  return !Number.isNaN(Date.parse(text));
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
