import type { SchemaDefinition } from '@batchactions/import';

/**
 * Schema of the demo's users CSV. Plain data (no functions or patterns), so the demo can hand
 * it to its worker processes as a JSON file.
 */
export const DEMO_SCHEMA: SchemaDefinition = {
  fields: [
    { name: 'id', type: 'number', required: true },
    { name: 'email', type: 'email', required: true },
    { name: 'name', type: 'string', required: true },
    { name: 'age', type: 'number', required: true },
    { name: 'country', type: 'string', required: true },
    { name: 'signup_date', type: 'date', required: true },
  ],
};
