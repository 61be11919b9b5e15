import type { ParsedRecord, ValidationSeverity } from '@batchactions/core';

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
 * What a field holds. Coercion (in `applyTransforms`) and the type check (in `validate`):
 * - `string`: numbers and booleans become their text; anything else non-string is a mismatch.
 * - `number`: numeric strings such as `"42"`, `"-1.5"`, `"1e3"` become numbers (`"1,5"` does not).
 * - `boolean`: `true/false/yes/no/1/0` (case-insensitive, also the numbers 1 and 0) become booleans.
 * - `date`: a string kept as given when it is an ISO 8601 date or `Date.parse` accepts it; `Date`
 *   objects are valid too.
 * - `email`: a string that looks like `local@domain.tld`.
 * - `array`: a string split on `separator`, items trimmed, then `itemTransform`; arrays pass through.
 * - `custom`: no coercion and no type check; use `customValidator`.
 */
export type FieldType = (typeof FIELD_TYPES)[number];

/** What a custom validator answers for one value. */
export interface CustomValidationResult {
  /** `false` produces a `CUSTOM_VALIDATION` finding. */
  readonly valid: boolean;
  /** Message of the finding. Default: `Field "<name>" failed custom validation, got <value>`. */
  readonly message?: string;
  /** `warning` keeps the record valid. Default: `error`. */
  readonly severity?: ValidationSeverity;
}

/** One field of a schema. */
export interface FieldDefinition {
  /** Canonical field name; records are keyed by it after alias resolution. Must be unique. */
  readonly name: string;
  /** What the field holds; drives coercion and the type check. */
  readonly type: FieldType;
  /**
   * A missing value (absent, `null`, or a blank string) is a `REQUIRED` error.
   * @defaultValue `false`
   */
  readonly required?: boolean;
  /**
   * The value (its text, or each item of an array) must match this pattern. Not checked for
   * missing values. A `g`/`y` regex is safe: its `lastIndex` is reset before each test.
   * @defaultValue none
   */
  readonly pattern?: RegExp;
  /**
   * Extra check, called with the coerced and transformed value and the whole record, only when
   * the value is present and passed the type and pattern checks. A validator that throws produces
   * a `CUSTOM_VALIDATION` error carrying the thrown message.
   * @defaultValue none
   */
  readonly customValidator?: (value: unknown, record: ParsedRecord) => CustomValidationResult;
  /**
   * Called after coercion with the coerced value, only for present values of the field's type
   * (a value that could not be coerced is left as-is for `validate` to report). A transform that
   * throws makes `applyTransforms` throw a `FieldTransformError`.
   * @defaultValue none
   */
  readonly transform?: (value: unknown) => unknown;
  /**
   * Replaces a missing value (absent, `null` or a blank string); it is then coerced and
   * transformed like a value from the source.
   * @defaultValue none
   */
  readonly defaultValue?: unknown;
  /**
   * For `array` fields: the separator a string value is split on.
   * @defaultValue `','`
   */
  readonly separator?: string;
  /**
   * For `array` fields: applied to each (trimmed) string item after splitting.
   * @defaultValue none
   */
  readonly itemTransform?: (item: string) => unknown;
  /**
   * Other source column names for this field. Aliases and the field name itself are matched
   * case-insensitively; an alias may not name another field or another field's alias.
   * @defaultValue `[]`
   */
  readonly aliases?: readonly string[];
}

/** Field definitions plus record-level rules. */
export interface SchemaDefinition {
  /** The fields of a record. At least one; names unique (case-insensitively). */
  readonly fields: readonly FieldDefinition[];
  /**
   * Fields not defined in the schema are `UNKNOWN_FIELD` errors. When `false` they are kept
   * on the record untouched.
   * @defaultValue `false`
   */
  readonly strict?: boolean;
  /**
   * Rows whose values are all missing (absent, `null` or blank) are skipped instead of validated.
   * @defaultValue `false`
   */
  readonly skipEmptyRows?: boolean;
  /**
   * Fields whose values must be unique across the whole import (`DUPLICATE_VALUE`), compared
   * case-sensitively; missing values are ignored.
   * @defaultValue `[]`
   */
  readonly uniqueFields?: readonly string[];
}
