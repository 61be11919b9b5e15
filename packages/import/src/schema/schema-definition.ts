import type { RawRecord } from '@batchactions/core';

/** Every field type a schema understands. */
export const FIELD_TYPES = [
  'string',
  'number',
  'boolean',
  'date',
  'email',
  'array',
  'custom',
] as const;

/**
 * What a field holds, and the built-in check `validate` runs on a non-empty value (the value
 * itself is never converted unless `coerceValues` is on):
 * - `string`, `custom`: no check;
 * - `number`: `Number(String(value))` is not `NaN`;
 * - `boolean`: `true`, `false`, `1`, `0`, `yes` or `no`, case-insensitively;
 * - `date`: `new Date(String(value))` is a valid date;
 * - `email`: `local@domain.tld` without whitespace;
 * - `array`: an array, or a string (which `applyTransforms` splits on `separator`).
 */
export type FieldType = (typeof FIELD_TYPES)[number];

/** What a `customValidator` answers for one value. */
export interface ValidationFieldResult {
  /** `false` produces a `CUSTOM_VALIDATION` error. */
  readonly valid: boolean;
  /** Text of the error. Default: `Custom validation failed for field '<name>'`. */
  readonly message?: string;
  /** `'warning'` does not block the record. Default: `'error'` (absent). */
  readonly severity?: 'error' | 'warning';
  /** Copied onto the `ValidationError`. Default: none. */
  readonly suggestion?: string;
  /** Copied onto the `ValidationError`. Default: none. */
  readonly metadata?: Record<string, unknown>;
}

/** Earlier name of {@link ValidationFieldResult}, kept for code written against it. */
export type CustomValidationResult = ValidationFieldResult;

/** One field of a schema. */
export interface FieldDefinition {
  /** Canonical key of the field in the record (after alias resolution). */
  readonly name: string;
  /** What the field holds; selects the built-in type check. */
  readonly type: FieldType;
  /**
   * An empty value (`undefined`, `null`, `''` or an empty array) is a `REQUIRED` error.
   * Mandatory in the published type, optional here (code that sets it compiles unchanged).
   * @defaultValue `false`
   */
  readonly required?: boolean;
  /**
   * Tested against `String(value)` after the type check (arrays as their comma-joined text).
   * `g`/`y` flags are harmless: `lastIndex` is reset before each test.
   * @defaultValue none
   */
  readonly pattern?: RegExp;
  /**
   * Extra check on every non-empty value that passed the type and pattern checks, whatever the
   * type. Receives the value and (an addition) the whole record. A validator that throws gives
   * a `CUSTOM_VALIDATION` error naming the field instead of aborting the run.
   * @defaultValue none
   */
  readonly customValidator?: (value: unknown, record: RawRecord) => ValidationFieldResult;
  /**
   * Rewrites the value (called for every value that is not `undefined`, including `''` and
   * `null`; array fields receive the split array). A transform that throws makes
   * `applyTransforms` throw a `FieldTransformError` naming the field and the value.
   * @defaultValue none
   */
  readonly transform?: (value: unknown) => unknown;
  /**
   * Used as-is (not split, not transformed) when the key is absent or `undefined`; not for `''`
   * or `null`.
   * @defaultValue none
   */
  readonly defaultValue?: unknown;
  /**
   * `array` fields: a string value is split on it.
   * @defaultValue `','`
   */
  readonly separator?: string;
  /**
   * `array` fields: applied to each trimmed, non-empty item after splitting.
   * @defaultValue none
   */
  readonly itemTransform?: (item: string) => unknown;
  /**
   * Other source keys for this field, matched case-insensitively (the field name too).
   * @defaultValue none
   */
  readonly aliases?: readonly string[];
}

/** Field definitions plus record-level rules. */
export interface SchemaDefinition {
  /** The fields of a record, in the order they are checked. */
  readonly fields: readonly FieldDefinition[];
  /**
   * Keys that are not a field name (after alias resolution) are `UNKNOWN_FIELD` errors.
   * @defaultValue `false`
   */
  readonly strict?: boolean;
  /**
   * Rows whose values are all `undefined`, `null` or `''` are skipped before validation.
   * @defaultValue `false`
   */
  readonly skipEmptyRows?: boolean;
  /**
   * Fields whose values must be unique across the whole run (`DUPLICATE_VALUE`); strings are
   * compared case-insensitively, empty values are ignored.
   * @defaultValue none
   */
  readonly uniqueFields?: readonly string[];
}
