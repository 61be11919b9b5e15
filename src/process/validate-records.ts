import {
  markRecordFailed,
  markRecordInvalid,
  markRecordValid,
  type ParsedRecord,
  type ProcessedRecord,
  type RawRecord,
  type ValidationError,
} from '@batchactions/core';
import {
  FieldTransformError,
  UniqueValueTracker,
  type SchemaValidator,
} from '@batchactions/import';
import { contextFor, type BatchRun } from './batch-run';
import { errorMessage } from './retry';

/**
 * Applies the schema's transforms. A user `transform` that throws fails this record (with a
 * message naming the field and value) rather than the whole batch; other errors are bugs and
 * propagate.
 */
function transform(validator: SchemaValidator, raw: RawRecord): ParsedRecord | FieldTransformError {
  try {
    return validator.applyTransforms(raw);
  } catch (error) {
    if (error instanceof FieldTransformError) return error;
    throw error;
  }
}

/**
 * Steps 1–3 of the pipeline for one record: alias resolution, the `beforeValidate` hook, then
 * transforms and schema validation. The record comes back valid (with its warnings), invalid,
 * or failed (when the hook threw).
 */
async function validateRecord(
  run: BatchRun,
  record: ProcessedRecord,
  unique: UniqueValueTracker | undefined,
): Promise<ProcessedRecord> {
  let raw = run.validator.resolveAliases(record.raw);
  if (run.hooks.beforeValidate) {
    try {
      raw = await run.hooks.beforeValidate(raw, contextFor(run, record.index));
    } catch (error) {
      return markRecordFailed(record, `beforeValidate hook failed: ${errorMessage(error)}`);
    }
  }
  const parsed = transform(run.validator, raw);
  if (parsed instanceof FieldTransformError) return markRecordFailed(record, parsed.message);
  const result = run.validator.validate(parsed);
  const duplicates: ValidationError[] = result.isValid && unique ? unique.check(parsed) : [];
  if (!result.isValid || duplicates.length > 0) {
    return markRecordInvalid(record, [...result.errors, ...duplicates], parsed);
  }
  return markRecordValid(record, parsed, result.errors);
}

/** Validates every record of the batch (in order, so uniqueness within the batch is stable). */
export async function validateRecords(
  run: BatchRun,
  records: readonly ProcessedRecord[],
): Promise<ProcessedRecord[]> {
  const fields = run.validator.uniqueFields;
  const unique = fields.length > 0 ? new UniqueValueTracker(fields) : undefined;
  const out: ProcessedRecord[] = [];
  for (const record of records) out.push(await validateRecord(run, record, unique));
  return out;
}
