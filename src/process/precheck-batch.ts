import type {
  PendingFailure,
  ProcessedRecord,
  UniqueValueClaim,
  ValidatedRecord,
  ValidationError,
} from '@batchactions/core';
import { uniqueFieldValues } from '@batchactions/import/validation';
import { contextFor, type BatchRun } from './batch-run';
import type { Prechecked } from './process-records';
import {
  SKIP,
  distributedPipeline,
  isHardError,
  isPendingFailure,
  validateStored,
} from './record-steps';

function quoted(value: unknown): string {
  return typeof value === 'string' ? `"${value}"` : JSON.stringify(value);
}

/**
 * `jobWideUniqueFields` (an addition, off by default): validates every record of the batch
 * first (steps 1–5), then claims the unique values of the records without hard errors in the
 * store in one call. The store hands each value to the first record of the job that claims it,
 * whichever worker runs it (within one call, claims count in index order); the records that
 * lost a value get a `DUPLICATE_VALUE` finding naming the row that holds it.
 */
export async function precheckBatch(
  run: BatchRun,
  records: readonly ProcessedRecord[],
): Promise<Prechecked> {
  const pipeline = distributedPipeline(run);
  const checked: (typeof SKIP | ValidatedRecord | PendingFailure)[] = [];
  for (const record of records) {
    checked.push(await validateStored(run, pipeline, record, contextFor(run, record.index)));
  }
  const uniqueness = new Map<number, ValidationError[]>();
  const fields = run.validator.uniqueFields;
  if (!run.claimUniqueValues || fields.length === 0) return { checked, uniqueness };

  const claims: UniqueValueClaim[] = [];
  const owners: { position: number; value: unknown }[] = [];
  checked.forEach((step, position) => {
    if (step === SKIP || isPendingFailure(step) || step.errors.some(isHardError)) return;
    const recordIndex = (records[position] as ProcessedRecord).index;
    for (const { field, key, value } of uniqueFieldValues(step.working, fields)) {
      claims.push({ field, value: key, recordIndex });
      owners.push({ position, value });
    }
  });
  if (claims.length === 0) return { checked, uniqueness };
  const holders = await run.claimUniqueValues(claims);
  claims.forEach((claim, k) => {
    const holder = holders[k];
    if (holder === undefined || holder === claim.recordIndex) return;
    const { position, value } = owners[k] as (typeof owners)[number];
    const found = uniqueness.get(position) ?? [];
    found.push({
      field: claim.field,
      code: 'DUPLICATE_VALUE',
      message: `Field "${claim.field}" has duplicate value ${quoted(value)}: row ${holder + 1} already has it`,
      value,
    });
    uniqueness.set(position, found);
  });
  return { checked, uniqueness };
}
