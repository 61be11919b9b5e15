import {
  markRecordFailed,
  markRecordInvalid,
  type ProcessedRecord,
  type ValidationError,
} from '@batchactions/core';
import type { DuplicateCheckResult } from '@batchactions/import';
import { contextFor, type BatchRun } from './batch-run';
import { errorMessage } from './retry';

function duplicateError(result: DuplicateCheckResult): ValidationError {
  return {
    field: '',
    code: 'EXTERNAL_DUPLICATE',
    message:
      result.existingId === undefined
        ? 'Record duplicates an existing entity'
        : `Record duplicates existing entity "${result.existingId}"`,
    ...(result.existingId === undefined ? {} : { value: result.existingId }),
  };
}

function apply(record: ProcessedRecord, result: DuplicateCheckResult | undefined): ProcessedRecord {
  if (!result?.isDuplicate) return record;
  return markRecordInvalid(record, [...record.errors, duplicateError(result)]);
}

/**
 * Step 4: asks the duplicate checker about every valid record, with one `checkBatch` call when
 * the checker has it, else one `check` per record. A checker that throws fails the records it
 * was asked about (it is an external system; its failure is not the record's invalidity).
 */
export async function checkDuplicates(
  run: BatchRun,
  records: ProcessedRecord[],
): Promise<ProcessedRecord[]> {
  const checker = run.duplicateChecker;
  if (!checker) return records;
  const positions = records.flatMap((r, i) => (r.status === 'valid' ? [i] : []));
  if (positions.length === 0) return records;
  const out = [...records];
  const input = positions.map((i) => {
    const record = records[i] as ProcessedRecord;
    return {
      fields: record.parsed,
      context: contextFor(run, record.index),
    };
  });

  if (checker.checkBatch) {
    let results: readonly DuplicateCheckResult[];
    try {
      results = await checker.checkBatch(input);
    } catch (error) {
      for (const i of positions) {
        out[i] = markRecordFailed(
          out[i] as ProcessedRecord,
          `duplicate check failed: ${errorMessage(error)}`,
        );
      }
      return out;
    }
    if (results.length !== input.length) {
      throw new TypeError(
        `duplicateChecker.checkBatch returned ${results.length} results for ${input.length} records; it must return one per record, in order`,
      );
    }
    positions.forEach((i, k) => (out[i] = apply(out[i] as ProcessedRecord, results[k])));
    return out;
  }

  for (const [k, i] of positions.entries()) {
    const item = input[k] as (typeof input)[number];
    try {
      out[i] = apply(out[i] as ProcessedRecord, await checker.check(item.fields, item.context));
    } catch (error) {
      out[i] = markRecordFailed(
        out[i] as ProcessedRecord,
        `duplicate check failed: ${errorMessage(error)}`,
      );
    }
  }
  return out;
}
