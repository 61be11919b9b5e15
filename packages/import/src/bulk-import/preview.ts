import {
  createPendingRecord,
  getWarnings,
  hasErrors,
  isEmptyRow,
  markRecordInvalid,
  markRecordValid,
  type DataSource,
  type ProcessedRecord,
  type RawRecord,
  type ValidationError,
} from '@batchactions/core';
import { FieldTransformError } from '../errors/field-transform-error';
import type { SourceParser } from '../ports/source-parser';
import type { SchemaValidator } from '../schema/schema-validator';
import type { PreviewResult } from './bulk-import-config';
import { sourceRecords } from './source-records';

async function firstRecords(
  source: DataSource,
  parser: SourceParser,
  maxRecords: number,
): Promise<RawRecord[]> {
  const records: RawRecord[] = [];
  if (maxRecords <= 0) return records;
  for await (const record of sourceRecords(source, parser)) {
    records.push(record);
    if (records.length >= maxRecords) break; // stops reading the source
  }
  return records;
}

function validateOne(
  validator: SchemaValidator,
  aliased: RawRecord,
  seen: Map<string, Set<unknown>>,
): { transformed: RawRecord; errors: readonly ValidationError[] } {
  let transformed: RawRecord;
  try {
    transformed = validator.applyTransforms(aliased);
  } catch (error: unknown) {
    if (!(error instanceof FieldTransformError)) throw error;
    const finding: ValidationError = {
      field: error.field,
      message: error.message,
      code: 'CUSTOM_VALIDATION',
      value: error.value,
      category: 'CUSTOM',
    };
    return { transformed: aliased, errors: [finding] };
  }
  const { errors } = validator.validate(transformed);
  if (hasErrors(errors)) return { transformed, errors };
  return { transformed, errors: [...errors, ...validator.validateUniqueness(transformed, seen)] };
}

/**
 * `BulkImport.preview` (published §4.5): the first `maxRecords` records, validated without
 * hooks, events, store writes or the duplicate checker. Agrees with `start()` (defect 4 fixed):
 * warnings-only records are valid (with their warnings) and `uniqueFields` are checked within the
 * sample (with a registry of its own, so the run's registry is untouched).
 */
export async function previewRecords(
  source: DataSource,
  parser: SourceParser,
  validator: SchemaValidator,
  maxRecords: number,
): Promise<PreviewResult> {
  const raws = await firstRecords(source, parser, maxRecords);
  const validRecords: ProcessedRecord[] = [];
  const invalidRecords: ProcessedRecord[] = [];
  const columns = new Set<string>();
  const seen = new Map<string, Set<unknown>>();
  raws.forEach((raw, index) => {
    if (validator.skipEmptyRows && isEmptyRow(raw)) return;
    const aliased = validator.resolveAliases(raw);
    for (const key of Object.keys(aliased)) columns.add(key);
    const record = createPendingRecord(index, raw);
    const { transformed, errors } = validateOne(validator, aliased, seen);
    if (hasErrors(errors)) invalidRecords.push(markRecordInvalid(record, errors));
    else validRecords.push(markRecordValid(record, transformed, getWarnings(errors)));
  });
  return { validRecords, invalidRecords, totalSampled: raws.length, columns: [...columns] };
}
