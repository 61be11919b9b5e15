import {
  hasErrors,
  markRecordInvalid,
  type HookContext,
  type JobHooks,
  type ProcessedRecord,
  type ProcessingContext,
  type ValidationError,
} from '@batchactions/core';
import type { DuplicateChecker, DuplicateCheckResult } from '../ports/duplicate-checker';
import type { TransformedByErrors } from './import-validation';
import type { UniqueValueRegistry } from './unique-value-registry';

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function duplicateError(result: DuplicateCheckResult): ValidationError {
  return {
    field: '_external',
    message: result.existingId
      ? `Duplicate record found (existing ID: ${result.existingId})`
      : 'Duplicate record found',
    code: 'EXTERNAL_DUPLICATE',
    value: undefined,
    // Published dropped the checker's metadata (defect 5); it is kept when given.
    ...(result.metadata === undefined ? {} : { metadata: result.metadata }),
  };
}

function checkFailedError(error: unknown): ValidationError {
  return {
    field: '_external',
    message: `Duplicate check failed: ${describe(error)}`,
    code: 'EXTERNAL_DUPLICATE',
    value: undefined,
  };
}

function checkerContext(context: HookContext): ProcessingContext {
  const { jobId, batchId, batchIndex, recordIndex, totalRecords, signal } = context;
  return { jobId, batchId, batchIndex, recordIndex, totalRecords, signal };
}

/** What the `afterValidate` wrapper needs from its `BulkImport`. */
export interface DuplicateCheckSetup {
  readonly hooks: JobHooks | undefined;
  readonly checker: DuplicateChecker | undefined;
  readonly transformedByErrors: TransformedByErrors;
  readonly registry: UniqueValueRegistry;
}

/**
 * The engine hooks of a `BulkImport` (published §4.3): none without hooks and checker; otherwise
 * the user's hooks with `afterValidate` wrapped to run the duplicate checker first. The checker
 * runs for every record without hard errors (published skipped warnings-only records: defect 2)
 * and receives the transformed record. Unique values of a record that the checker or the user's
 * `afterValidate` rejects are released (defect 6).
 */
export function buildImportHooks(setup: DuplicateCheckSetup): JobHooks | undefined {
  const { hooks, checker, transformedByErrors, registry } = setup;
  if (hooks === undefined && checker === undefined) return undefined;
  const userAfterValidate = hooks?.afterValidate;
  if (checker === undefined && userAfterValidate === undefined) return { ...hooks };
  const afterValidate = async (
    record: ProcessedRecord,
    context: HookContext,
  ): Promise<ProcessedRecord> => {
    const transformed = transformedByErrors.get(record.errors) ?? record.parsed;
    let current = record;
    if (checker !== undefined && !hasErrors(record.errors)) {
      let finding: ValidationError | undefined;
      try {
        const result = await checker.check(transformed, checkerContext(context));
        if (result.isDuplicate) finding = duplicateError(result);
      } catch (error: unknown) {
        finding = checkFailedError(error);
      }
      if (finding !== undefined) current = markRecordInvalid(record, [...record.errors, finding]);
    }
    const returned = userAfterValidate ? await userAfterValidate(current, context) : current;
    if (!hasErrors(record.errors) && hasErrors(returned.errors)) registry.release(transformed);
    return returned;
  };
  return { ...hooks, afterValidate };
}
