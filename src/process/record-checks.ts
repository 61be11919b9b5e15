import {
  markRecordFailed,
  markRecordInvalid,
  markRecordValid,
  type HookContext,
  type ProcessedRecord,
  type RawRecord,
  type ValidationError,
  errorMessage,
} from '@batchactions/core';
import type { DuplicateCheckResult } from '@batchactions/import';
import type { BatchRun } from './batch-run';

/** Outcome of steps 1–5 of the published per-record pipeline (distributed 5.1). */
export type CheckedRecord =
  /** `schema.skipEmptyRows` and the raw record is empty: no write, no event, no count. */
  | { readonly kind: 'skip' }
  /** A hook or a schema function threw: the record fails with this stored state. */
  | { readonly kind: 'failed'; readonly record: ProcessedRecord; readonly error: string }
  /** Validated: the transformed record and every finding (warnings included). */
  | {
      readonly kind: 'checked';
      readonly transformed: RawRecord;
      readonly errors: readonly ValidationError[];
    };

/** Outcome of steps 6–10: the record is rejected (saved and reported failed) or valid. */
export type RecordDecision =
  | { readonly kind: 'rejected'; readonly record: ProcessedRecord; readonly error: string }
  | { readonly kind: 'valid'; readonly record: ProcessedRecord };

/** Published `hasErrors`: a finding without severity, or with severity `'error'`, is an error. */
export function isHardError(error: ValidationError): boolean {
  return error.severity === undefined || error.severity === 'error';
}

/** A record failure caused by a hook (published 5.2): `parsed` = raw, `errors` = []. */
function hookFailure(record: ProcessedRecord, hook: string, error: unknown) {
  const message = `${hook} hook failed: ${errorMessage(error)}`;
  return { kind: 'failed', record: markRecordFailed(record, message), error: message } as const;
}

/**
 * Steps 1–5: empty-row skip, alias resolution, `beforeValidate` (which sees the alias-resolved
 * record, as published), transforms and schema validation. `uniqueFields` is not looked at here.
 *
 * Fixed defect: a `transform`, `itemTransform` or `customValidator` that throws fails its record
 * with the error's message (published: the exception silently stopped the whole batch).
 */
export async function checkRecord(
  run: BatchRun,
  record: ProcessedRecord,
  context: HookContext,
): Promise<CheckedRecord> {
  const { validator, hooks } = run;
  if (validator.skipEmptyRows && validator.isEmptyRow(record.raw)) return { kind: 'skip' };
  let working = validator.resolveAliases(record.raw);
  if (hooks.beforeValidate) {
    try {
      working = await hooks.beforeValidate(working, context);
    } catch (error) {
      return hookFailure(record, 'beforeValidate', error);
    }
  }
  try {
    const transformed = validator.applyTransforms(working);
    return { kind: 'checked', transformed, errors: validator.validate(transformed).errors };
  } catch (error) {
    const message = errorMessage(error);
    return { kind: 'failed', record: markRecordFailed(record, message), error: message };
  }
}

/** The published `EXTERNAL_DUPLICATE` finding. */
function duplicateFinding(message: string): ValidationError {
  return { field: '_external', message, code: 'EXTERNAL_DUPLICATE', value: undefined };
}

async function askDuplicateChecker(
  run: BatchRun,
  transformed: RawRecord,
  context: HookContext,
): Promise<ValidationError[]> {
  const checker = run.duplicateChecker;
  if (!checker) return [];
  let result: DuplicateCheckResult;
  try {
    result = await checker.check(transformed, context);
  } catch (error) {
    return [duplicateFinding(`Duplicate check failed: ${errorMessage(error)}`)];
  }
  if (!result.isDuplicate) return [];
  const existing = result.existingId ? ` (existing ID: ${result.existingId})` : '';
  return [duplicateFinding(`Duplicate record found${existing}`)];
}

/**
 * Steps 6–10: the duplicate checker (only when validation found nothing at all, warnings
 * included), then `afterValidate` (whose returned record's `errors` alone are kept), then the
 * verdict by error severity. `uniqueness` holds job-wide `DUPLICATE_VALUE` findings when
 * `jobWideUniqueFields` is on (checked, like in `BulkImport`, before the duplicate checker).
 */
export async function decideRecord(
  run: BatchRun,
  record: ProcessedRecord,
  checked: Extract<CheckedRecord, { kind: 'checked' }>,
  context: HookContext,
  uniqueness: readonly ValidationError[] = [],
): Promise<RecordDecision> {
  const { transformed } = checked;
  const found = [...checked.errors, ...uniqueness];
  const duplicates = found.length === 0 ? await askDuplicateChecker(run, transformed, context) : [];
  let list: readonly ValidationError[] = [...found, ...duplicates];
  const { hooks } = run;
  if (hooks.afterValidate) {
    const temp =
      list.length > 0 ? markRecordInvalid(record, list) : markRecordValid(record, transformed);
    try {
      list = (await hooks.afterValidate(temp, context)).errors;
    } catch (error) {
      const failure = hookFailure(record, 'afterValidate', error);
      return { kind: 'rejected', record: failure.record, error: failure.error };
    }
  }
  if (list.some(isHardError)) {
    return {
      kind: 'rejected',
      record: markRecordInvalid(record, list),
      error: list.map((e) => e.message).join('; '),
    };
  }
  const warnings = list.filter((e) => !isHardError(e));
  return {
    kind: 'valid',
    record: markRecordValid(record, transformed, warnings.length > 0 ? warnings : undefined),
  };
}
