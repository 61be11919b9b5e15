/**
 * Published emptiness of a field value: `undefined`, `null`, `''` or an empty array. Whitespace,
 * `0` and `false` are values.
 */
export function isEmptyValue(value: unknown): boolean {
  return (
    value === undefined ||
    value === null ||
    value === '' ||
    (Array.isArray(value) && value.length === 0)
  );
}
