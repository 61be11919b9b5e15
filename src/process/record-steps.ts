import {
  isPendingFailure,
  validateRecordNow,
  type HookContext,
  type MaybePromise,
  type PendingFailure,
  type ProcessedRecord,
  type RawRecord,
  type RecordPipeline,
  type ValidatedRecord,
  type ValidationError,
  errorMessage,
} from '@batchactions/core';
import type { DuplicateCheckResult } from '@batchactions/import';
import type { BatchRun } from './batch-run';

/**
 * Core's record pipeline set up as the published distributed worker runs it (distributed 5.1):
 * `beforeValidate` sees the alias-resolved record; validation is transforms then the schema;
 * `afterValidate` decides by its returned `errors` alone; a record failed by a hook is saved as
 * stored (`parsed` = raw, `errors: []`); `record:failed` for an `afterProcess` failure carries
 * the hook's bare message. Fixed defect: a throwing `transform`, `itemTransform` or
 * `customValidator` fails its record with the error's message (published: the exception stopped
 * the whole batch).
 */
export function distributedPipeline(run: BatchRun): RecordPipeline & {
  readonly validate: NonNullable<RecordPipeline['validate']>;
} {
  const { validator } = run;
  return {
    hooks: run.hooks,
    // `beforeValidate` gets a record of its own; otherwise `applyTransforms` copies the record
    // before changing it, so a record that needs no renaming is not copied twice.
    hookInput: (raw) =>
      run.hooks.beforeValidate
        ? validator.resolveAliases(raw)
        : validator.resolveAliasesShared(raw),
    validate: (working) => {
      const transformed = validator.applyTransforms(working);
      const { isValid, errors } = validator.validate(transformed);
      return { isValid, errors, parsed: transformed };
    },
    maxRetries: run.config.maxRetries,
    retryDelayMs: run.config.retryDelayMs,
    events: run.events,
    save: (_batchId, record) => run.save(record),
    onValidateError: 'fail-record',
    afterValidateParsed: false,
    hookFailureRecord: 'stored',
    afterProcessFailureEvent: 'bare',
  };
}

/** A stored record `schema.skipEmptyRows` leaves out: no write, no event, no count. */
export const SKIP = 'skip' as const;

/** Steps 1–5 of 5.1 for one stored record: the empty-row skip, then core's validation stage. */
export function validateStored(
  run: BatchRun,
  pipeline: ReturnType<typeof distributedPipeline>,
  record: ProcessedRecord,
  context: HookContext,
): typeof SKIP | MaybePromise<ValidatedRecord | PendingFailure> {
  const { validator } = run;
  if (validator.skipEmptyRows && validator.isEmptyRow(record.raw)) return SKIP;
  // Synchronous unless a hook has to be awaited: no promise per record.
  return validateRecordNow(pipeline, context, record);
}

/** Published `hasErrors`: a finding without severity, or with severity `'error'`, is an error. */
export function isHardError(error: ValidationError): boolean {
  return error.severity === undefined || error.severity === 'error';
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
 * Steps 6–7 of 5.1, between validation and `afterValidate`: the job-wide `DUPLICATE_VALUE`
 * findings (`jobWideUniqueFields`, checked like in `BulkImport` before the duplicate checker),
 * then the duplicate checker, asked only when nothing at all was found (warnings included).
 */
export async function addDuplicateFindings(
  run: BatchRun,
  validated: ValidatedRecord,
  context: HookContext,
  uniqueness: readonly ValidationError[] = [],
): Promise<ValidatedRecord> {
  const found = [...validated.errors, ...uniqueness];
  const duplicates =
    found.length === 0 ? await askDuplicateChecker(run, validated.working, context) : [];
  if (uniqueness.length === 0 && duplicates.length === 0) return validated;
  return { ...validated, errors: [...found, ...duplicates] };
}

export { isPendingFailure };
