/** True for values a schema treats as "not given": `undefined`, `null` and blank strings. */
export function isMissingValue(value: unknown): boolean {
  if (value === undefined || value === null) return true;
  return typeof value === 'string' && isBlank(value);
}

function isBlank(text: string): boolean {
  // Cheap exits for the common cases before allocating a trimmed copy.
  if (text.length === 0) return true;
  const first = text.charCodeAt(0);
  if (first > 32 && first !== 160 && first !== 0xfeff && first < 0x1680) return false;
  return text.trim().length === 0;
}
