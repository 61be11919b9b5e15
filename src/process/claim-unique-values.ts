import {
  markRecordInvalid,
  type ProcessedRecord,
  type UniqueValueClaim,
  type ValidationError,
} from '@batchactions/core';
import { uniqueFieldValues } from '@batchactions/import';
import type { BatchRun } from './batch-run';

function quoted(value: unknown): string {
  return typeof value === 'string' ? `"${value}"` : JSON.stringify(value);
}

/**
 * `uniqueFields` across the whole job: claims the unique values of the batch's valid records in
 * the store (which hands each value to the first record of the job that claims it, whichever
 * worker runs it) and marks the records that lost a value invalid, naming the row that holds it.
 * Within the batch, the validator's tracker has already kept the first of each value.
 */
export async function claimUniqueValues(
  run: BatchRun,
  records: ProcessedRecord[],
): Promise<ProcessedRecord[]> {
  const fields = run.validator.uniqueFields;
  if (!run.claimUniqueValues || fields.length === 0) return records;
  const claims: UniqueValueClaim[] = [];
  const owners: { position: number; value: unknown }[] = [];
  records.forEach((record, position) => {
    if (record.status !== 'valid') return;
    for (const { field, key, value } of uniqueFieldValues(record.parsed, fields)) {
      claims.push({ field, value: key, recordIndex: record.index });
      owners.push({ position, value });
    }
  });
  if (claims.length === 0) return records;
  const holders = await run.claimUniqueValues(claims);

  const lost = new Map<number, ValidationError[]>();
  claims.forEach((claim, k) => {
    const holder = holders[k];
    if (holder === undefined || holder === claim.recordIndex) return;
    const { position, value } = owners[k] as (typeof owners)[number];
    const errors = lost.get(position) ?? [];
    errors.push({
      field: claim.field,
      code: 'DUPLICATE_VALUE',
      message: `Field "${claim.field}" has duplicate value ${quoted(value)}: row ${holder + 1} already has it`,
      value,
    });
    lost.set(position, errors);
  });
  if (lost.size === 0) return records;
  const out = [...records];
  for (const [position, errors] of lost) {
    const record = out[position] as ProcessedRecord;
    out[position] = markRecordInvalid(record, [...record.errors, ...errors]);
  }
  return out;
}
