/**
 * Bind values as the `sqlite3` driver binds them, for better-sqlite3, which binds only numbers,
 * strings, bigints, buffers and null, and every number as a REAL. `sqlite3` binds 32-bit
 * integers as INTEGER (a REAL 3.0 stored in a TEXT column reads back as `'3.0'`, an INTEGER as
 * `'3'`), booleans as 1/0, dates as their milliseconds and `undefined` as NULL. Other objects,
 * which `sqlite3` stores as `'[object Object]'`, are refused.
 */
export function toBindValue(value: unknown): unknown {
  if (value === undefined || value === null) return null;
  if (typeof value === 'number') {
    return Number.isInteger(value) && value >= -0x8000_0000 && value <= 0x7fff_ffff
      ? BigInt(value)
      : value;
  }
  if (typeof value === 'boolean') return value ? 1n : 0n;
  if (value instanceof Date) return value.getTime();
  if (typeof value === 'string' || typeof value === 'bigint' || Buffer.isBuffer(value)) {
    return value;
  }
  // sqlite3 would store an object as its string form ('[object Object]'): refuse it instead.
  const kind = typeof value === 'object' ? Object.prototype.toString.call(value) : typeof value;
  throw new TypeError(
    `cannot bind ${kind} to an SQLite statement: bind numbers, strings, booleans, dates, bigints, buffers or null`,
  );
}

/**
 * The parameters of one call, in better-sqlite3's form. `sqlite3` takes named parameters with
 * their prefix (`{ $1: 'a' }`, as Sequelize passes them), better-sqlite3 without (`{ 1: 'a' }`).
 */
export function toBindParameters(parameters: unknown[] | Record<string, unknown>): unknown[] {
  if (Array.isArray(parameters)) return parameters.map(toBindValue);
  const named: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(parameters)) {
    named[/^[$:@]/.test(key) ? key.slice(1) : key] = toBindValue(value);
  }
  return Object.keys(named).length === 0 ? [] : [named];
}
