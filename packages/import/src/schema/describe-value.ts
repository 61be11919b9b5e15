const MAX_LENGTH = 100;

function truncate(text: string): string {
  return text.length > MAX_LENGTH ? `${text.slice(0, MAX_LENGTH)}…` : text;
}

/** Short, readable rendering of a value for error messages: `"abc"`, `42`, `["a","b"]`. */
export function describeValue(value: unknown): string {
  if (typeof value === 'string') return truncate(JSON.stringify(value));
  if (value === undefined) return 'undefined';
  if (value === null) return 'null';
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') {
    return String(value);
  }
  if (typeof value === 'function') return 'a function';
  if (typeof value === 'symbol') return value.toString();
  if (value instanceof Date)
    return Number.isNaN(value.getTime()) ? 'Invalid Date' : value.toISOString();
  return describeObject(value);
}

function describeObject(value: object): string {
  let json: string | undefined;
  try {
    json = JSON.stringify(value);
  } catch (error: unknown) {
    // Circular or BigInt-holding objects cannot be rendered as JSON; a message still needs text.
    return `${Object.prototype.toString.call(value)} (${error instanceof Error ? error.message : 'not serialisable'})`;
  }
  return truncate(json);
}
