import type { SchemaDefinition } from '@batchactions/import';

interface StoredField {
  readonly name: unknown;
  readonly type: unknown;
  readonly required?: unknown;
}

function storedFields(stored: unknown): readonly StoredField[] | undefined {
  if (typeof stored !== 'object' || stored === null) return undefined;
  const fields = (stored as { fields?: unknown }).fields;
  if (!Array.isArray(fields)) return undefined;
  return fields.filter(
    (field): field is StoredField => typeof field === 'object' && field !== null,
  );
}

/**
 * Compares the schema a worker was given with the description kept with the job at prepare
 * time (field names, types and required flags). Returns why they differ, or `undefined` when
 * they agree or the job carries no description to compare with.
 */
export function schemaMismatch(stored: unknown, schema: SchemaDefinition): string | undefined {
  const fields = storedFields(stored);
  if (fields === undefined) return undefined;
  const describe = (f: { name: unknown; type: unknown; required?: unknown }): string =>
    `${String(f.name)}:${String(f.type)}${f.required === true ? '!' : ''}`;
  const expected = fields.map(describe);
  const given = schema.fields.map((f) => describe({ ...f, required: f.required ?? false }));
  if (expected.join(',') === given.join(',')) return undefined;
  return `the job was prepared with fields [${expected.join(', ')}], the schema given has [${given.join(', ')}] (! = required)`;
}
