import type { FieldDefinition, SchemaDefinition } from '../schema/schema-definition';
import type { GenerateTemplateOptions } from './bulk-import-config';

/** The published example value of a field for template row `row` (1-based). */
function exampleValue(field: FieldDefinition, row: number): string {
  if (field.defaultValue !== undefined) {
    return typeof field.defaultValue === 'string'
      ? field.defaultValue
      : JSON.stringify(field.defaultValue);
  }
  switch (field.type) {
    case 'email':
      return `user${row}@example.com`;
    case 'number':
      return String(row * 100);
    case 'boolean':
      return row % 2 === 0 ? 'true' : 'false';
    case 'date':
      return `2024-01-${String(row).padStart(2, '0')}`;
    case 'array':
      return `value${row}a${field.separator ?? ','}value${row}b`;
    case 'string':
    case 'custom':
      return `${field.name}_${row}`;
  }
}

/**
 * RFC 4180 quoting for cells holding a comma, a quote or a line break. The published template
 * was never quoted, so such cells shifted columns (defect 11); every other cell is unchanged.
 */
function csvCell(text: string): string {
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/**
 * A CSV template for a schema: the field names, then `exampleRows` example rows, joined with
 * `\n`, no trailing newline.
 */
export function generateTemplate(
  schema: SchemaDefinition,
  options: GenerateTemplateOptions = {},
): string {
  const rows = options.exampleRows ?? 0;
  const lines = [schema.fields.map((field) => csvCell(field.name)).join(',')];
  for (let row = 1; row <= rows; row++) {
    lines.push(schema.fields.map((field) => csvCell(exampleValue(field, row))).join(','));
  }
  return lines.join('\n');
}
