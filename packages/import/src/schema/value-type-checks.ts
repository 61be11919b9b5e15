import type { FieldType } from './schema-definition';

/** The published email check: something, `@`, something, `.`, something, no whitespace. */
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

const BOOLEAN_WORDS: ReadonlySet<string> = new Set(['true', 'false', '1', '0', 'yes', 'no']);

/**
 * The published built-in type check of a non-empty value (no conversion): lenient on purpose,
 * e.g. `number` accepts `' '`, `'0x1F'` and `'Infinity'`. `coerceValues` adds a stricter check.
 */
export function passesTypeCheck(type: FieldType, value: unknown): boolean {
  switch (type) {
    case 'array':
      return Array.isArray(value) || typeof value === 'string';
    case 'number':
      return !Number.isNaN(Number(String(value)));
    case 'boolean':
      return BOOLEAN_WORDS.has(String(value).toLowerCase());
    case 'date':
      return !Number.isNaN(new Date(String(value)).getTime());
    case 'email':
      return EMAIL.test(String(value));
    case 'string':
    case 'custom':
      return true;
  }
}

/** Published `TYPE_MISMATCH` text after `Field '<name>' `, per type (none for string/custom). */
export const TYPE_MISMATCH_TEXT: Readonly<Record<FieldType, string>> = {
  number: 'must be a number',
  boolean: 'must be a boolean',
  date: 'must be a valid date',
  email: 'must be a valid email',
  array: 'must be a string (to be split) or an array',
  string: 'must be a string',
  custom: 'has an invalid value',
};
