import type { JobConfig } from '@batchactions/core';

/** The keys of a schema field that survive persistence besides name, type and required. */
const KEPT_FIELD_KEYS = ['defaultValue', 'separator', 'aliases'] as const;

function persistedField(field: unknown): Record<string, unknown> {
  const f = (typeof field === 'object' && field !== null ? field : {}) as Record<string, unknown>;
  const out: Record<string, unknown> = {
    name: typeof f.name === 'string' ? f.name : '',
    type: typeof f.type === 'string' ? f.type : '',
    required: typeof f.required === 'boolean' ? f.required : false,
  };
  for (const key of KEPT_FIELD_KEYS) if (f[key] !== undefined) out[key] = f[key];
  return out;
}

/**
 * The job config as 0.0.5 persisted it: when `schema.fields` is an array, each field keeps only
 * `name`, `type`, `required` and the serialisable `defaultValue`, `separator`, `aliases`;
 * functions and patterns (`customValidator`, `transform`, `itemTransform`, `pattern`) are
 * dropped and must be passed again by the caller. Everything else is kept as given.
 */
export function persistedConfig(config: JobConfig): JobConfig {
  const schema = config.schema as { fields?: unknown } | null | undefined;
  if (typeof schema !== 'object' || schema === null || !Array.isArray(schema.fields)) return config;
  return { ...config, schema: { ...schema, fields: schema.fields.map(persistedField) } };
}
