import {
  isEmptyRow,
  type ParsedRecord,
  type RawRecord,
  type ValidationError,
  type ValidationResult,
} from '@batchactions/core';
import { FieldTransformError } from '../errors/field-transform-error';
import { describeValue } from './describe-value';
import { defineField, FieldAliasResolver } from './field-alias-resolver';
import { isMissingValue } from './missing-value';
import type {
  CustomValidationResult,
  FieldDefinition,
  FieldType,
  SchemaDefinition,
} from './schema-definition';
import { assertValidSchema } from './schema-definition-check';
import { coerceValue, NOT_COERCIBLE, type CoercionPlan } from './value-coercion';
import { matchesFieldType, TYPE_EXPECTATIONS } from './value-type-checks';

/** Everything the per-record loops need about a field, resolved once. */
interface FieldPlan extends CoercionPlan {
  readonly definition: FieldDefinition;
  readonly type: FieldType;
  readonly required: boolean;
  readonly hasDefault: boolean;
  readonly pattern: RegExp | undefined;
}

const VALID: ValidationResult = Object.freeze({ isValid: true, errors: Object.freeze([]) });

function planField(field: FieldDefinition): FieldPlan {
  return {
    definition: field,
    name: field.name,
    type: field.type,
    required: field.required === true,
    hasDefault: field.defaultValue !== undefined,
    pattern: field.pattern,
    separator: field.separator ?? ',',
    itemTransform: field.itemTransform,
  };
}

function testPattern(pattern: RegExp, value: unknown): boolean {
  const test = (item: unknown): boolean => {
    pattern.lastIndex = 0; // `g` and `y` regexes are stateful
    return pattern.test(typeof item === 'string' ? item : String(item));
  };
  return Array.isArray(value) ? value.every(test) : test(value);
}

/**
 * Applies a schema to records: alias resolution, defaults, coercion and transforms, then
 * validation. The constructor checks the schema itself and throws `InvalidOptionError` naming
 * the offending field. Built once per job and reused for every record: lookups are precomputed.
 */
export class SchemaValidator {
  private readonly plans: readonly FieldPlan[];
  private readonly fieldNames: ReadonlySet<string>;
  private readonly aliases: FieldAliasResolver;
  private readonly strict: boolean;
  private readonly skipEmpty: boolean;
  private readonly unique: readonly string[];

  constructor(schema: SchemaDefinition) {
    assertValidSchema(schema);
    this.plans = schema.fields.map(planField);
    this.fieldNames = new Set(schema.fields.map((field) => field.name));
    this.aliases = new FieldAliasResolver(schema.fields);
    this.strict = schema.strict === true;
    this.skipEmpty = schema.skipEmptyRows === true;
    this.unique = Object.freeze([...(schema.uniqueFields ?? [])]);
  }

  /** Whether rows with only missing values are skipped (`schema.skipEmptyRows`, default `false`). */
  get skipEmptyRows(): boolean {
    return this.skipEmpty;
  }

  /** Fields whose values must be unique across the import (`schema.uniqueFields`, default `[]`). */
  get uniqueFields(): readonly string[] {
    return this.unique;
  }

  /** True when every value of the row is missing (`undefined`, `null` or blank). */
  isEmptyRow(raw: RawRecord): boolean {
    return isEmptyRow(raw);
  }

  /**
   * Renames alias and case-variant keys to canonical field names; unknown keys are kept as-is.
   * Returns the input object itself when nothing needs renaming.
   */
  resolveAliases(raw: RawRecord): RawRecord {
    return this.aliases.resolve(raw);
  }

  /**
   * Returns a new record with, per field: `defaultValue` for missing values, coercion to the
   * field's type when the value is a valid representation of it, then `transform`. Values that
   * cannot be coerced are left as-is (and not transformed) so `validate` reports them. Keys not in
   * the schema are copied unchanged. Throws `FieldTransformError` when a transform throws.
   */
  applyTransforms(record: RawRecord): ParsedRecord {
    const parsed: ParsedRecord = { ...record };
    for (const plan of this.plans) {
      let value = parsed[plan.name];
      if (isMissingValue(value)) {
        if (!plan.hasDefault) continue;
        value = plan.definition.defaultValue;
      }
      const coerced = coerceValue(plan, value);
      if (coerced === NOT_COERCIBLE) {
        defineField(parsed, plan.name, value);
        continue;
      }
      defineField(parsed, plan.name, this.runTransform(plan, coerced));
    }
    return parsed;
  }

  private runTransform(plan: FieldPlan, value: unknown): unknown {
    const transform = plan.definition.transform;
    if (transform === undefined) return value;
    try {
      return transform(value);
    } catch (error: unknown) {
      throw new FieldTransformError(plan.name, value, error);
    }
  }

  /**
   * Checks a record (normally the output of `applyTransforms`): `REQUIRED`, `TYPE_MISMATCH`,
   * `PATTERN_MISMATCH`, `CUSTOM_VALIDATION` and, in strict mode, `UNKNOWN_FIELD`. At most one
   * finding per field: the first check that fails. Warnings keep the record valid.
   */
  validate(record: ParsedRecord): ValidationResult {
    let errors: ValidationError[] | undefined;
    for (const plan of this.plans) {
      const error = this.checkField(plan, record);
      if (error !== undefined) (errors ??= []).push(error);
    }
    if (this.strict) {
      for (const key in record) {
        if (this.fieldNames.has(key)) continue;
        (errors ??= []).push({
          field: key,
          code: 'UNKNOWN_FIELD',
          message: `Field "${key}" is not defined in the schema (strict mode)`,
          value: record[key],
        });
      }
    }
    if (errors === undefined) return VALID;
    return { isValid: !errors.some((e) => e.severity !== 'warning'), errors };
  }

  private checkField(plan: FieldPlan, record: ParsedRecord): ValidationError | undefined {
    const name = plan.name;
    const value = record[name];
    if (isMissingValue(value)) {
      if (!plan.required) return undefined;
      return { field: name, code: 'REQUIRED', message: `Field "${name}" is required`, value };
    }
    if (!matchesFieldType(plan.type, value)) {
      return {
        field: name,
        code: 'TYPE_MISMATCH',
        message: `Field "${name}" ${TYPE_EXPECTATIONS[plan.type]}, got ${describeValue(value)}`,
        value,
      };
    }
    if (plan.pattern !== undefined && !testPattern(plan.pattern, value)) {
      return {
        field: name,
        code: 'PATTERN_MISMATCH',
        message: `Field "${name}" must match ${String(plan.pattern)}, got ${describeValue(value)}`,
        value,
      };
    }
    const validator = plan.definition.customValidator;
    return validator === undefined ? undefined : runCustomValidator(name, validator, value, record);
  }
}

function runCustomValidator(
  name: string,
  validator: NonNullable<FieldDefinition['customValidator']>,
  value: unknown,
  record: ParsedRecord,
): ValidationError | undefined {
  let result: unknown;
  try {
    result = validator(value, record);
  } catch (error: unknown) {
    const reason = error instanceof Error ? error.message : String(error);
    return {
      field: name,
      code: 'CUSTOM_VALIDATION',
      message: `Custom validator of field "${name}" threw for ${describeValue(value)}: ${reason}`,
      value,
    };
  }
  if (typeof result !== 'object' || result === null || !('valid' in result)) {
    return {
      field: name,
      code: 'CUSTOM_VALIDATION',
      message: `Custom validator of field "${name}" returned ${describeValue(result)} instead of { valid, message?, severity? }`,
      value,
    };
  }
  const { valid, message, severity } = result as CustomValidationResult;
  if (valid) return undefined;
  return {
    field: name,
    code: 'CUSTOM_VALIDATION',
    message: message ?? `Field "${name}" failed custom validation, got ${describeValue(value)}`,
    value,
    severity: severity ?? 'error',
  };
}
