import { FieldTransformError } from '../errors/field-transform-error';
import type { FieldType } from './schema-definition';
import { isValidDate } from './value-type-checks';

/** Returned by coercion when the value is not a valid representation of the field's type. */
export const NOT_COERCIBLE: unique symbol = Symbol('not coercible');

/** Plain decimal or scientific notation, optional sign; no thousands separators or hex. */
const NUMERIC_TEXT = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

const TRUE_WORDS: ReadonlySet<string> = new Set(['true', 'yes', '1']);
const FALSE_WORDS: ReadonlySet<string> = new Set(['false', 'no', '0']);

function coerceNumber(value: unknown): unknown {
  if (typeof value === 'number') return Number.isFinite(value) ? value : NOT_COERCIBLE;
  if (typeof value !== 'string') return NOT_COERCIBLE;
  const text = value.trim();
  return NUMERIC_TEXT.test(text) ? Number(text) : NOT_COERCIBLE;
}

function coerceBoolean(value: unknown): unknown {
  if (typeof value === 'boolean') return value;
  if (value === 1) return true;
  if (value === 0) return false;
  if (typeof value !== 'string') return NOT_COERCIBLE;
  const word = value.trim().toLowerCase();
  if (TRUE_WORDS.has(word)) return true;
  if (FALSE_WORDS.has(word)) return false;
  return NOT_COERCIBLE;
}

function coerceString(value: unknown): unknown {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return NOT_COERCIBLE;
}

function coerceDate(value: unknown): unknown {
  return isValidDate(value) ? value : NOT_COERCIBLE;
}

function transformItems(
  items: unknown[],
  field: string,
  itemTransform: ((item: string) => unknown) | undefined,
): unknown[] {
  if (itemTransform === undefined) return items;
  return items.map((item) => {
    if (typeof item !== 'string') return item;
    try {
      return itemTransform(item);
    } catch (error: unknown) {
      throw new FieldTransformError(field, item, error);
    }
  });
}

function coerceArray(
  value: unknown,
  field: string,
  separator: string,
  itemTransform: ((item: string) => unknown) | undefined,
): unknown {
  if (Array.isArray(value)) return transformItems(value, field, itemTransform);
  if (typeof value !== 'string') return NOT_COERCIBLE;
  const items: unknown[] = value.split(separator);
  for (let i = 0; i < items.length; i++) items[i] = (items[i] as string).trim();
  return transformItems(items, field, itemTransform);
}

/** What coercion needs to know about a field, precomputed once per schema. */
export interface CoercionPlan {
  readonly name: string;
  readonly type: FieldType;
  readonly separator: string;
  readonly itemTransform: ((item: string) => unknown) | undefined;
}

/**
 * Converts a present value to the field's type when it is a valid representation of it;
 * otherwise returns `NOT_COERCIBLE` so the caller leaves the value for `validate` to report.
 */
export function coerceValue(plan: CoercionPlan, value: unknown): unknown {
  switch (plan.type) {
    case 'number':
      return coerceNumber(value);
    case 'boolean':
      return coerceBoolean(value);
    case 'string':
      return coerceString(value);
    case 'date':
      return coerceDate(value);
    case 'array':
      return coerceArray(value, plan.name, plan.separator, plan.itemTransform);
    case 'email':
    case 'custom':
      return value;
  }
}
