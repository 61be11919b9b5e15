import { FieldTransformError } from '../errors/field-transform-error';
import type { FieldDefinition } from './schema-definition';

/** Text of one item of a JSON array, as a CSV cell would hold it. */
function itemText(item: unknown): string {
  if (typeof item === 'string') return item;
  if (typeof item === 'number' || typeof item === 'boolean') return String(item);
  return JSON.stringify(item); // objects, arrays and null
}

/**
 * `JsonParser` hands nested arrays over as JSON text (published); splitting that text on the
 * separator mangled it (`'["a","b"]'` → `['["a"', '"b"]']`). Text that is a JSON array is read as
 * the array instead. Returns `undefined` for any other text.
 */
function jsonArrayItems(text: string): string[] | undefined {
  const trimmed = text.trim();
  if (!trimmed.startsWith('[') || !trimmed.endsWith(']')) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(trimmed);
  } catch (error: unknown) {
    if (error instanceof SyntaxError) return undefined; // plain text such as `[a, b]`: split it
    throw error;
  }
  return Array.isArray(parsed) ? parsed.map(itemText) : undefined;
}

/**
 * Splits the string value of an `array` field: on `separator` (default `','`), every item
 * trimmed, empty items dropped, then `itemTransform` per item. JSON array text is read as JSON.
 */
export function splitArrayValue(field: FieldDefinition, value: string): unknown[] {
  const items = jsonArrayItems(value) ?? value.split(field.separator ?? ',');
  const out: unknown[] = [];
  for (const item of items) {
    const trimmed = item.trim();
    if (trimmed === '') continue;
    out.push(field.itemTransform === undefined ? trimmed : runItemTransform(field, trimmed));
  }
  return out;
}

function runItemTransform(field: FieldDefinition, item: string): unknown {
  try {
    return (field.itemTransform as (item: string) => unknown)(item);
  } catch (error: unknown) {
    throw new FieldTransformError(field.name, item, error);
  }
}
