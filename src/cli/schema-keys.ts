import { CliUsageError } from './cli-errors';

/** The keys of a schema (`SchemaDefinition`), and `$schema` for editors' JSON Schema support. */
const SCHEMA_KEYS = ['fields', 'strict', 'skipEmptyRows', 'uniqueFields', '$schema', '$comment'];

/** The keys of a field (`FieldDefinition`). */
const FIELD_KEYS = [
  'name',
  'type',
  'required',
  'pattern',
  'customValidator',
  'transform',
  'defaultValue',
  'separator',
  'itemTransform',
  'aliases',
  '$comment',
];

/** Edit distance (insertions, deletions, substitutions, adjacent swaps) between two keys. */
function distance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[][] = Array.from({ length: rows }, (_, i) =>
    Array.from({ length: cols }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i < rows; i += 1) {
    for (let j = 1; j < cols; j += 1) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      const row = d[i] as number[];
      const above = d[i - 1] as number[];
      let best = Math.min((above[j] as number) + 1, (row[j - 1] as number) + 1);
      best = Math.min(best, (above[j - 1] as number) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        best = Math.min(best, ((d[i - 2] as number[])[j - 2] as number) + 1);
      }
      row[j] = best;
    }
  }
  return (d[a.length] as number[])[b.length] as number;
}

/** The known key nearest to `key` (case-insensitively; ties: the first in `known`). */
export function nearestKey(key: string, known: readonly string[]): string {
  let best = known[0] as string;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of known) {
    const d = distance(key.toLowerCase(), candidate.toLowerCase());
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}

function refuse(file: string, key: string, path: string, known: readonly string[]): never {
  throw new CliUsageError(
    `--schema ${file}: unknown key "${key}" at ${path}; the nearest known key is "${nearestKey(key, known)}" ` +
      `(known keys there: ${known.filter((k) => !k.startsWith('$')).join(', ')})`,
  );
}

/**
 * Refuses a key the schema does not know, at the top level or in a field: a typo such as
 * `"requird": true` would otherwise be ignored and the field left optional. The message names
 * the key, its path (`fields[1].requird`) and the nearest known key.
 */
export function checkSchemaKeys(file: string, schema: Record<string, unknown>): void {
  for (const key of Object.keys(schema)) {
    if (!SCHEMA_KEYS.includes(key)) refuse(file, key, key, SCHEMA_KEYS);
  }
  const fields = schema.fields as unknown[];
  fields.forEach((field, index) => {
    if (typeof field !== 'object' || field === null || Array.isArray(field)) return;
    const name = (field as { name?: unknown }).name;
    const where = typeof name === 'string' ? ` (field "${name}")` : '';
    for (const key of Object.keys(field)) {
      if (!FIELD_KEYS.includes(key)) {
        refuse(file, key, `fields[${String(index)}].${key}${where}`, FIELD_KEYS);
      }
    }
  });
}
